/**
 * The one chunker: splits rendered text into messages that fit a platform's length
 * limit. The bridge's sender uses it for every channel (`chunk` step of format →
 * chunk → throttle → retry → send); Telegram's adapter calls it with `'html'`.
 * It lives in `core/` because both the bridge and the channels use it.
 *
 * One boundary rule for every dialect ({@link findCut}): a paragraph break, else a
 * line break or a space in the second half of the window, else a hard split. A cut
 * never lands inside a surrogate pair, an HTML entity (`&amp;`) or an angle-bracket
 * token (`<b>`, Slack's `<url|text>`, Discord's `<@id>`), and never right after an
 * opening HTML tag.
 *
 * What is open at a cut is closed at the end of that chunk and reopened at the
 * start of the next one, so every chunk renders on its own:
 * - `'text'` markup: a ``` or ~~~ code fence (reopened with its language);
 * - `'html'` markup: every open tag (reopened with its attributes), e.g.
 *   `<pre><code class="language-js">`.
 *
 * Deterministic: the bridge freezes a reply's chunks before sending and resumes
 * from the first unsent one, so the same input always yields the same chunks.
 *
 * @example
 * ```ts
 * chunkText('a'.repeat(5000), 4096).map(c => c.length) // [4092, 908]
 * chunkText('<b>' + 'x '.repeat(40) + '</b>', 30, 'html')[1] // '<b>x x x …</b>'
 * ```
 */

/** How the rendered text marks up what must be closed and reopened across a cut. */
export type ChunkMarkup = 'text' | 'html';

/** One chunk: `text` is what is sent, `body` the exact slice of the input it carries. */
export interface Chunk {
  text: string;
  body: string;
}

/** Something open at a cut: `open` is repeated at the next chunk's start, `close` ends this one. */
interface Open {
  name: string;
  open: string;
  close: string;
}

interface Syntax {
  /** What is open after `body`, given what was open before it. */
  after(before: Open[], body: string): Open[];
  /** Characters kept free for closers before a cut is chosen. */
  reserve(before: Open[]): number;
}

/** Chunks `input` into texts of at most `limit` characters; chunks with nothing visible are dropped. */
export function chunkText(input: string, limit: number, markup: ChunkMarkup = 'text'): string[] {
  return chunkWithBodies(input, limit, markup)
    .map((chunk) => chunk.text)
    .filter((text) => visibleText(text, markup).trim().length > 0);
}

/** Like {@link chunkText}, also returning each chunk's slice of the input (bodies rejoin to it). */
export function chunkWithBodies(
  input: string,
  limit: number,
  markup: ChunkMarkup = 'text',
): Chunk[] {
  if (limit < 16) throw new RangeError(`chunk limit ${limit} is too small (minimum 16)`);
  const syntax = markup === 'html' ? htmlSyntax : fenceSyntax;
  const chunks: Chunk[] = [];
  let open: Open[] = [];
  let pos = 0;
  while (pos < input.length) {
    const rest = input.slice(pos);
    const next = nextChunk(rest, open, limit, syntax, markup);
    chunks.push({ text: next.text, body: rest.slice(0, next.cut) });
    open = next.after;
    pos += next.cut;
  }
  return chunks;
}

/** The next chunk of `rest`: where to cut, what is sent, what stays open. */
function nextChunk(
  rest: string,
  before: Open[],
  limit: number,
  syntax: Syntax,
  markup: ChunkMarkup,
) {
  const prefix = reopeners(before, limit);
  const compose = (cut: number) => {
    const after = syntax.after(before, rest.slice(0, cut));
    const text = prefix + rest.slice(0, cut).replace(/\n+$/, '') + closers(after);
    return { cut, text, after };
  };
  const whole = compose(rest.length);
  if (whole.text.length <= limit) return whole;
  let room = limit - prefix.length - syntax.reserve(before);
  for (;;) {
    const next = compose(findCut(rest, Math.max(room, 1), markup));
    if (next.text.length <= limit || room <= 1) return next;
    room -= next.text.length - limit;
  }
}

/** What reopens `open` at a chunk's start; a fence drops its language when space is short. */
function reopeners(open: Open[], limit: number): string {
  const full = open.map((item) => item.open).join('');
  if (full.length + closers(open).length <= limit / 2 || open[0]?.name !== 'fence') return full;
  return `${open[0].close.slice(1, 4)}\n`;
}

function closers(open: Open[]): string {
  return open
    .map((item) => item.close)
    .reverse()
    .join('');
}

/**
 * The boundary rule shared by every dialect: the index at which to cut `text` so the
 * first part has at most `room` characters.
 */
export function findCut(text: string, room: number, markup: ChunkMarkup = 'text'): number {
  const window = text.slice(0, room);
  const half = room / 2;
  let cut = room;
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph > 0) cut = paragraph + 2;
  else {
    for (const separator of ['\n', ' ']) {
      const at = window.lastIndexOf(separator);
      if (at > half) {
        cut = at + 1;
        break;
      }
    }
  }
  const safe = safeCut(text, cut, markup);
  if (safe > 0) return safe;
  const hard = safeCut(text, room, markup);
  return hard > 0 ? hard : surrogateSafe(text, room);
}

/** Moves `cut` back out of a tag, entity or surrogate pair, and before trailing opening tags. */
function safeCut(text: string, cut: number, markup: ChunkMarkup): number {
  let at = cut;
  for (let previous = -1; previous !== at; ) {
    previous = at;
    at = outsideAngle(text, at, markup);
    at = outsideEntity(text, at);
    if (markup === 'html') at = beforeOpeningTags(text, at);
    at = surrogateSafe(text, at);
  }
  return at;
}

/** Longest `<…>` token kept whole in text markup (Slack links, Discord mentions). */
const MAX_ANGLE_TOKEN = 512;

function outsideAngle(text: string, cut: number, markup: ChunkMarkup): number {
  const lt = text.lastIndexOf('<', cut - 1);
  if (lt < 0 || text.lastIndexOf('>', cut - 1) > lt) return cut;
  const gt = text.indexOf('>', cut);
  if (gt < 0) return cut;
  if (markup === 'html') return lt;
  const token = text.slice(lt, gt);
  return token.length <= MAX_ANGLE_TOKEN && !token.includes('\n') ? lt : cut;
}

function outsideEntity(text: string, cut: number): number {
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp < 0 || cut - amp > 12) return cut;
  const entity = /&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,10});/y;
  entity.lastIndex = amp;
  return entity.test(text) && entity.lastIndex > cut ? amp : cut;
}

function beforeOpeningTags(text: string, cut: number): number {
  const tag = /<[a-zA-Z][^<>]*>$/.exec(text.slice(0, cut));
  return tag ? tag.index : cut;
}

function surrogateSafe(text: string, cut: number): number {
  const code = text.charCodeAt(cut - 1);
  return code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
}

/** What a chunk shows: tags removed in HTML markup. */
function visibleText(text: string, markup: ChunkMarkup): string {
  return markup === 'html' ? text.replace(/<[^>]*>/g, '') : text;
}

const fenceSyntax: Syntax = {
  after(before, body) {
    const opener = fenceAfter(before[0]?.open.slice(0, -1), body);
    return opener === undefined ? [] : [fence(opener)];
  },
  reserve: (before) => Math.max(4, before[0]?.close.length ?? 0),
};

function fence(opener: string): Open {
  const marker = /^(`+|~+)/.exec(opener)![1]!;
  return { name: 'fence', open: `${opener}\n`, close: `\n${marker}` };
}

/**
 * The fence opener still open after `text` (given the one open before it), if any:
 * ``` or ~~~ (three or more), closed by a line of the same character at least as long.
 */
export function fenceAfter(openBefore: string | undefined, text: string): string | undefined {
  let open = openBefore;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (open === undefined) open = openerOf(trimmed);
    else if (closes(open, trimmed)) open = undefined;
  }
  return open;
}

/** A short opener (the fence plus at most a 16-character language) if `line` opens a fence. */
function openerOf(line: string): string | undefined {
  const match = /^(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return undefined;
  const [, marker, info] = match as unknown as [string, string, string];
  if (marker.startsWith('`') && info.includes('`')) return undefined;
  const lang = info.trim().split(/\s+/)[0] ?? '';
  return marker + lang.replace(/[`~]/g, '').slice(0, 16);
}

function closes(opener: string, line: string): boolean {
  const marker = /^(`+|~+)/.exec(opener)![1]!;
  const match = /^(`{3,}|~{3,})\s*$/.exec(line);
  return !!match && match[1]![0] === marker[0] && match[1]!.length >= marker.length;
}

const htmlSyntax: Syntax = {
  after(before, body) {
    const open = [...before];
    for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^<>]*>/g)) {
      const name = match[2]!.toLowerCase();
      if (!match[1]) open.push({ name, open: match[0], close: `</${name}>` });
      else {
        const at = open.map((item) => item.name).lastIndexOf(name);
        if (at >= 0) open.splice(at, 1);
      }
    }
    return open;
  },
  reserve: (before) => closers(before).length,
};
