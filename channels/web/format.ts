/**
 * Model Markdown → the HTML the web chat shows. micromark with GFM (tables, task
 * lists, strikethrough, autolinks, footnotes) renders it; raw HTML in the text is
 * never passed through (`allowDangerousHtml` stays off, so `<script>` or
 * `<img onerror>` arrive as visible text) and link or image addresses with another
 * protocol than http(s), mailto, tel or a relative path are dropped
 * (`allowDangerousProtocol` off, so `javascript:` links lose their href). Then:
 *
 *   fenced code ─► highlight.js (its output escapes the code again) ─► `<pre><code class="hljs">`
 *   links       ─► open in a new tab, `rel="noopener noreferrer"`
 *   unsafe address ─► the link text without a link
 *   remote image ─► a link to it (loading it would tell its server that, and
 *                   what, the agent answered: a prompt-injected reply could
 *                   smuggle data out in the address)
 *
 * Both steps match only tags micromark itself wrote: everything that came from the
 * text is escaped by then, so it cannot look like a tag. The page adds a copy
 * button to each code block and serves this HTML under a Content-Security-Policy
 * without inline scripts and without remote images, a second wall behind this one.
 *
 * Text with nothing a Markdown parser reads as markup (most short replies) skips the
 * parser and renders as micromark would render it: its paragraphs, quotes escaped.
 * micromark combines its syntax extensions again on every call, which made it
 * about 0.18 ms of each web message's 1.4 ms of CPU (core bench profile).
 *
 * The libraries load on the first browser connection ({@link loadRenderer}, about
 * 0.2 s once), not at start: a Parley nobody opens in a browser never pays for them.
 */
import type { HLJSApi } from 'highlight.js';
import { isPlainText, paragraphsOf } from '../shared/serialize.js';

interface Renderer {
  micromark: typeof import('micromark').micromark;
  /** GFM's syntax and HTML extensions, built once (building them combines their constructs). */
  options: import('micromark').Options;
  hljs: HLJSApi;
}

let renderer: Renderer | undefined;
let loading: Promise<void> | undefined;

/** Loads micromark, its GFM extension and highlight.js (common languages), once. */
export function loadRenderer(): Promise<void> {
  loading ??= (async () => {
    const [{ micromark }, { gfm, gfmHtml }, hljs] = await Promise.all([
      import('micromark'),
      import('micromark-extension-gfm'),
      import('highlight.js/lib/common'),
    ]);
    const options = { extensions: [gfm()], htmlExtensions: [gfmHtml()] };
    renderer = { micromark, options, hljs: hljs.default };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * Renders Markdown to safe HTML. Before {@link loadRenderer} finished, the text is
 * shown escaped in one paragraph (still safe, just not formatted).
 */
export function renderHtml(markdown: string): string {
  if (!renderer) return `<p>${escapeHtml(markdown)}</p>`;
  if (renderedAsIs(markdown)) return plainHtml(markdown);
  const html = renderer.micromark(markdown, renderer.options);
  return (
    html
      .replace(
        /<pre><code(?: class="language-([^"]*)")?>([\s\S]*?)<\/code><\/pre>/g,
        (_, lang, code) => highlighted(lang as string | undefined, unescapeHtml(code as string)),
      )
      .replace(/<img src="(https?:[^"]*)" alt="([^"]*)"(?: title="[^"]*")? \/>/g, (_, src, alt) => {
        return `<a href="${src}">image: ${alt || src}</a>`;
      })
      // micromark empties a dangerous address (javascript:, data:…): no link at all then.
      .replace(/<a href="">/g, '<a title="link removed: unsafe address">')
      .replace(/<img src="" /g, '<img ')
      .replace(/<a href="/g, '<a target="_blank" rel="noopener noreferrer" href="')
  );
}

/**
 * True when micromark would render `markdown` as its paragraphs of text: no markup,
 * and none of what it normalizes (`\r` line ends, NUL, a leading byte order mark).
 */
function renderedAsIs(markdown: string): boolean {
  return !/[\r\0]|^\ufeff/.test(markdown) && isPlainText(markdown);
}

/** micromark's HTML for plain text: `<p>` per paragraph, a final line end kept. */
function plainHtml(text: string): string {
  const html = paragraphsOf(text)
    .map((paragraph) => `<p>${paragraph.replace(/"/g, '&quot;')}</p>`)
    .join('\n');
  return html && text.endsWith('\n') ? `${html}\n` : html;
}

function highlighted(lang: string | undefined, code: string): string {
  const hljs = renderer!.hljs;
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const label = lang ? ` data-lang="${escapeHtml(lang)}"` : '';
  const body = language
    ? hljs.highlight(code, { language, ignoreIllegals: true }).value
    : escapeHtml(code);
  const cls = language ? `hljs language-${escapeHtml(language)}` : 'hljs';
  return `<pre${label}><code class="${cls}">${body}</code></pre>`;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot);/g, (entity) => ENTITIES[entity] ?? entity);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
