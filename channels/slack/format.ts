/**
 * Model Markdown → Slack mrkdwn, the `render` step of the Slack sender pipeline
 * (format → chunk → throttle → retry → chat.postMessage).
 *
 * Slack's dialect differs from Markdown in small, annoying ways: `*bold*` (one star),
 * `_italic_`, `~strike~`, links as `<url|text>`, no headings, no language on code
 * fences, and `&`, `<`, `>` must be escaped as HTML entities everywhere (they start
 * links and mentions). Code spans and fences are kept verbatim apart from that
 * escaping; a line-leading `>` stays a quote.
 *
 * @example
 * ```ts
 * markdownToMrkdwn('# Title\n**bold** and [docs](https://x.y?a=1&b=2)')
 * // '*Title*\n*bold* and <https://x.y?a=1&amp;b=2|docs>'
 * ```
 */

const FENCE = /^\s*(`{3,}|~{3,})/;

/** Escapes the three characters Slack treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Converts model Markdown to Slack mrkdwn, line by line, leaving code fences verbatim. */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (marker && (fence === undefined || line.trim().startsWith(fence))) {
      fence = fence === undefined ? marker.slice(0, 3) : undefined;
      out.push('```');
      continue;
    }
    out.push(fence ? escapeMrkdwn(line) : convertLine(line));
  }
  if (fence) out.push('```');
  return out.join('\n');
}

/** One line outside code fences: block syntax first, then inline syntax. */
function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${inline(heading[1]!.replace(/\*\*|__/g, ''))}*`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────────';
  const quote = /^\s*>+\s?(.*)$/.exec(line);
  if (quote) return `> ${inline(quote[1]!)}`.trimEnd();
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${inline(bullet[2]!)}`;
  return inline(line);
}

/** Inline syntax: code spans and links are protected by placeholders while the rest converts. */
function inline(text: string): string {
  const held: string[] = [];
  const hold = (value: string) => `\uE000${held.push(value) - 1}\uE001`;
  let s = text.replace(/(`+)([^`]|[^`].*?[^`])\1(?!`)/g, (_m, ticks: string, code: string) =>
    hold(`${ticks}${escapeMrkdwn(code)}${ticks}`),
  );
  s = s.replace(
    /!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    (_m, label: string, url) => hold(link(url, label)),
  );
  s = s.replace(/<(https?:\/\/[^>\s]+)>/g, (_m, url: string) => hold(link(url, '')));
  s = escapeMrkdwn(s);
  s = s.replace(/\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*/g, '\uE002_$1_\uE002');
  s = s.replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, (_m, _d, body: string) => `\uE002${body}\uE002`);
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])/g, '$1_$2_');
  s = s.replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '~$1~');
  s = s.replace(/\uE002/g, '*');
  return s.replace(/\uE000(\d+)\uE001/g, (_m, index: string) => held[Number(index)] ?? '');
}

/** A Slack link; `|` cannot appear in the label, so it is replaced. */
function link(url: string, label: string): string {
  const shown = label.trim() ? `|${escapeMrkdwn(label.replace(/\|/g, '¦'))}` : '';
  return `<${escapeMrkdwn(url)}${shown}>`;
}
