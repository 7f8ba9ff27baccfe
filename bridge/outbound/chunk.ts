/**
 * Splits rendered text into messages that fit a platform's length limit.
 *
 * Preference order for a cut: a paragraph break, then a line break, then a hard
 * split (never inside a surrogate pair). A ``` code fence that is open at a cut is
 * closed at the end of that chunk and reopened (with its language) at the start of
 * the next one, so every chunk renders on its own.
 *
 * @example
 * ```ts
 * chunkText('a'.repeat(5000), 4096).map(c => c.length) // [4096, 904]
 * ```
 */

/** One chunk: `text` is what is sent, `body` the exact slice of the input it carries. */
export interface Chunk {
  text: string;
  body: string;
}

const FENCE_CLOSE = '\n```';

/** Chunks `input` into texts of at most `limit` characters. */
export function chunkText(input: string, limit: number): string[] {
  return chunkWithBodies(input, limit)
    .map((chunk) => chunk.text)
    .filter((text) => text.trim().length > 0);
}

/** Like {@link chunkText}, also returning each chunk's slice of the input (bodies rejoin to it). */
export function chunkWithBodies(input: string, limit: number): Chunk[] {
  if (limit < 16) throw new RangeError(`chunk limit ${limit} is too small (minimum 16)`);
  const chunks: Chunk[] = [];
  let pos = 0;
  let openFence: string | undefined;
  while (pos < input.length) {
    const prefix = openFence ? `${openFence}\n` : '';
    const room = limit - prefix.length - FENCE_CLOSE.length;
    const rest = input.slice(pos);
    const fitsWhole =
      rest.length <= room ||
      (rest.length <= room + FENCE_CLOSE.length && !fenceAfter(openFence, rest));
    const cut = fitsWhole ? rest.length : findCut(rest, room);
    const body = rest.slice(0, cut);
    const after = fenceAfter(openFence, body);
    const trimmed = body.replace(/\n+$/, '');
    const shown = after ? trimmed + FENCE_CLOSE : trimmed;
    chunks.push({ text: prefix + shown, body });
    openFence = after;
    pos += cut;
  }
  return chunks;
}

/** Index at which to cut `text` so the first part has at most `room` characters. */
function findCut(text: string, room: number): number {
  const window = text.slice(0, room);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph > 0) return paragraph + 2;
  const line = window.lastIndexOf('\n');
  if (line > 0) return line + 1;
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

/** The fence opener still open after `text` (given the one open before it), if any. */
export function fenceAfter(openBefore: string | undefined, text: string): string | undefined {
  let open = openBefore;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('```')) continue;
    if (open === undefined) open = openerFor(trimmed);
    else if (/^`{3,}\s*$/.test(trimmed)) open = undefined;
  }
  return open;
}

/** A short opener (``` plus at most a 16-character language) to reopen a fence with. */
function openerFor(line: string): string {
  const lang = line.slice(3).trim().split(/\s+/)[0] ?? '';
  return '```' + lang.replace(/`/g, '').slice(0, 16);
}
