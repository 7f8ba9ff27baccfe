/**
 * Telegram's dialect of the sender pipeline: model Markdown → Telegram HTML
 * (`render`), HTML → pieces of at most 4096 characters with every tag closed and
 * reopened across cuts (`chunkHtml`, the shared chunker in `'html'` markup), and
 * HTML → plain text for the "can't parse entities" fallback (`htmlToPlain`).
 *
 * HTML is used instead of MarkdownV2 because only `<`, `>` and `&` need escaping.
 * The Markdown is parsed once (`channels/shared/markdown.ts`) and this serializer
 * walks the tree, so tags are always properly nested: `**bold _and** italic_`
 * gives `<b>bold _and</b> italic_`. Only tags Telegram accepts are produced: `b`,
 * `i`, `s`, `code`, `pre` (with `<code class="language-x">`), `a href` and
 * `blockquote`. Headings are bold lines, lists are `•` / `1.` text, tables are an
 * aligned `<pre>` block, rules are a line of `─`. Links keep only `http(s)`, `tg`
 * and `mailto` targets; another target is shown as text after the label. Telegram
 * forbids code inside a link and a quote inside a quote, so those become text.
 *
 * @example
 * ```ts
 * renderTelegramHtml('**Hi** <you>') // '<b>Hi</b> &lt;you&gt;'
 * ```
 */
import { chunkText } from '../../core/chunk.js';
import { type Dialect, type LinkParts, renderMarkdown } from '../shared/serialize.js';

/** Escapes the three characters Telegram HTML requires. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const escapeAttr = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

const LINKABLE = /^(https?:\/\/|tg:\/\/|mailto:)/i;

function link({ label, plain, url, kind }: LinkParts): string {
  if (kind === 'literal') return escapeHtml(plain);
  if (kind === 'angle' || !label) return escapeHtml(url);
  if (LINKABLE.test(url)) return `<a href="${escapeAttr(url)}">${label}</a>`;
  return url && url !== plain ? `${label} (${escapeHtml(url)})` : label;
}

function codeBlock(value: string, lang: string): string {
  const safe = /^[\w+#.-]{1,24}$/.test(lang) ? ` class="language-${escapeAttr(lang)}"` : '';
  return `<pre><code${safe}>${escapeHtml(value)}</code></pre>`;
}

export const telegramDialect: Dialect = {
  text: escapeHtml,
  strong: (inner) => `<b>${inner}</b>`,
  emphasis: (inner) => `<i>${inner}</i>`,
  strike: (inner) => `<s>${inner}</s>`,
  inlineCode: (value, inLink) => (inLink ? escapeHtml(value) : `<code>${escapeHtml(value)}</code>`),
  link,
  image: (alt, url) =>
    link({ label: escapeHtml(alt), plain: alt, url, kind: alt.trim() ? 'inline' : 'angle' }),
  heading: (inner) => `<b>${inner}</b>`,
  quote: (inner, nested) => (nested ? inner : `<blockquote>${inner}</blockquote>`),
  codeBlock,
  table: (lines) => `<pre>${escapeHtml(lines.join('\n'))}</pre>`,
  rule: '──────',
  bullet: '• ',
};

/** Converts model Markdown to Telegram HTML. */
export function renderTelegramHtml(markdown: string): string {
  return renderMarkdown(markdown, telegramDialect);
}

/**
 * Splits Telegram HTML into pieces of at most `limit` characters. Tags open at a cut
 * are closed at the end of the piece and reopened at the start of the next one; a
 * cut never splits a tag, an entity like `&amp;` or a surrogate pair.
 */
export function chunkHtml(html: string, limit: number): string[] {
  return chunkText(html, limit, 'html');
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
