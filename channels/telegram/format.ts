/**
 * Telegram's dialect of the sender pipeline: model Markdown → Telegram HTML
 * (`render`), HTML → pieces of at most 4096 characters with every tag closed and
 * reopened across cuts (`chunkHtml`), and HTML → plain text for the
 * "can't parse entities" fallback (`htmlToPlain`).
 *
 * HTML is used instead of MarkdownV2 because only `<`, `>` and `&` need escaping.
 * Supported: fenced code (`<pre><code class="language-x">`), inline code, bold,
 * italic, strikethrough, links, headings (bold), block quotes, bullet lists.
 * Markers without a partner stay literal text.
 *
 * @example
 * ```ts
 * renderTelegramHtml('**Hi** <you>') // '<b>Hi</b> &lt;you&gt;'
 * ```
 */

/** Escapes the three characters Telegram HTML requires. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const escapeAttr = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

/** Converts model Markdown to Telegram HTML. */
export function renderTelegramHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(`{3,})\s*([\w+#.-]*)/.exec(lines[i]!);
    if (!fence) {
      out.push(renderLine(lines[i]!));
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*`{3,}\s*$/.test(lines[j]!)) body.push(lines[j++]!);
    const lang = fence[2] ? ` class="language-${escapeAttr(fence[2])}"` : '';
    out.push(`<pre><code${lang}>${escapeHtml(body.join('\n'))}</code></pre>`);
    i = j;
  }
  return mergeQuotes(out).join('\n');
}

/** One line outside a code fence: block syntax first, then inline. */
function renderLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
  if (heading) return `<b>${renderInline(heading[1]!)}</b>`;
  const quote = /^\s{0,3}>\s?(.*)$/.exec(line);
  if (quote) return `\u0000quote${renderInline(quote[1]!)}`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${renderInline(bullet[2]!)}`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────';
  return renderInline(line);
}

/** Joins consecutive quote lines into one `<blockquote>`. */
function mergeQuotes(lines: string[]): string[] {
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join('\n')}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    if (line.startsWith('\u0000quote')) quote.push(line.slice(6));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

/** Inline Markdown: code spans and links are set aside first, the rest is escaped then styled. */
export function renderInline(text: string): string {
  const kept: string[] = [];
  const keep = (html: string) => `\u0001${kept.push(html) - 1}\u0002`;
  let work = text.replace(/`([^`\n]+)`/g, (_m, code: string) =>
    keep(`<code>${escapeHtml(code)}</code>`),
  );
  work = work.replace(
    /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+|tg:\/\/[^\s)]+|mailto:[^\s)]+)\)/g,
    (_m, label: string, url: string) =>
      keep(`<a href="${escapeAttr(url)}">${styleInline(escapeHtml(label))}</a>`),
  );
  work = styleInline(escapeHtml(work));
  return work.replace(/\u0001(\d+)\u0002/g, (_m, index: string) => kept[Number(index)] ?? '');
}

function styleInline(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, '<b>$1</b>')
    .replace(/(^|[^\w])__(?=\S)([^_]*?\S)__(?!\w)/g, '$1<b>$2</b>')
    .replace(/~~(?=\S)([^~]*?\S)~~/g, '<s>$1</s>')
    .replace(/(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?![*\w])/g, '$1<i>$2</i>')
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, '$1<i>$2</i>');
}

/** Turns Telegram HTML back into the text it shows (for the plain-text fallback). */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

interface OpenTag {
  name: string;
  open: string;
}

/**
 * Splits Telegram HTML into pieces of at most `limit` characters. Tags open at a cut
 * are closed at the end of the piece and reopened at the start of the next one;
 * cuts prefer a paragraph break, then a line break, then a space, and never split
 * an entity like `&amp;`.
 */
export function chunkHtml(html: string, limit: number): string[] {
  if (html.length <= limit) return html.trim() ? [html] : [];
  const chunks: string[] = [];
  const stack: OpenTag[] = [];
  let current = '';
  let hasContent = false;
  const closers = () =>
    stack
      .map((tag) => `</${tag.name}>`)
      .reverse()
      .join('');
  const flush = () => {
    if (hasContent) chunks.push(current + closers());
    current = stack.map((tag) => tag.open).join('');
    hasContent = false;
  };
  for (const token of html.split(/(<[^>]*>)/)) {
    if (!token) continue;
    if (token.startsWith('<')) {
      applyTag(stack, token, () => {
        if (current.length + token.length + closers().length + 16 > limit) flush();
      });
      current += token;
      continue;
    }
    let text = token;
    while (text) {
      const room = limit - current.length - closers().length;
      if (text.length <= room) {
        current += text;
        hasContent = true;
        break;
      }
      const cut = room > 0 ? findCut(text, room) : 0;
      if (cut > 0) {
        current += text.slice(0, cut);
        hasContent = true;
        text = text.slice(cut);
      }
      flush();
    }
  }
  flush();
  return chunks.filter((chunk) => htmlToPlain(chunk).trim().length > 0);
}

/** Updates the open-tag stack for `token`; `beforeOpen` runs before an opening tag is added. */
function applyTag(stack: OpenTag[], token: string, beforeOpen: () => void): void {
  const name = /^<\/?\s*([a-zA-Z-]+)/.exec(token)?.[1]?.toLowerCase() ?? '';
  if (token.startsWith('</')) {
    const at = stack.map((tag) => tag.name).lastIndexOf(name);
    if (at >= 0) stack.splice(at, 1);
    return;
  }
  beforeOpen();
  stack.push({ name, open: token });
}

/** Where to cut `text` so the first part has at most `room` characters. */
function findCut(text: string, room: number): number {
  const window = text.slice(0, room);
  const half = Math.floor(room / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > half || (separator === '\n\n' && at > 0)) return at + separator.length;
  }
  let cut = room;
  const amp = window.lastIndexOf('&');
  if (amp >= 0 && !window.slice(amp).includes(';') && amp > 0) cut = amp;
  const code = text.charCodeAt(cut - 1);
  return code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
}
