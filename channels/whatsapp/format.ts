/**
 * Model Markdown → WhatsApp formatting, the `render` step of the sender pipeline
 * (format → chunk → throttle → retry → send).
 *
 * The Markdown is parsed once (`channels/shared/markdown.ts`) and this serializer
 * walks the tree. WhatsApp knows `*bold*`, `_italic_`, `~strike~`, `` `inline code` ``,
 * ```` ``` ```` monospace blocks and `> ` quotes, and has no escaping and no link
 * markup. So: headings → `*Heading*`, `[text](url)` → `text (url)`, bullets → `- `,
 * numbered items → `1. `, tables → an aligned ``` block, code blocks (``` or ~~~)
 * → ``` without the language tag (WhatsApp would print it). Code is never touched.
 *
 * @example
 * ```ts
 * renderWhatsApp('**Hi** _there_, see [docs](https://x.dev)') // '*Hi* _there_, see docs (https://x.dev)'
 * ```
 */
import { type Dialect, type LinkParts, renderMarkdown } from '../shared/serialize.js';

function link({ label, plain, url, kind }: LinkParts): string {
  if (kind === 'literal') return plain;
  if (kind === 'angle' || !plain.trim() || plain === url || `mailto:${plain}` === url) return url;
  return url ? `${label} (${url})` : label;
}

function quote(inner: string): string {
  return inner
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

const fenced = (body: string) => `\`\`\`\n${body}\n\`\`\``;

export const whatsappDialect: Dialect = {
  text: (value) => value,
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  inlineCode: (value) => `\`${value}\``,
  link,
  image: (alt, url) => link({ label: alt, plain: alt, url, kind: 'inline' }),
  heading: (inner) => `*${inner}*`,
  quote,
  codeBlock: (value) => fenced(value),
  table: (lines) => fenced(lines.join('\n')),
  rule: '──────────',
  bullet: '- ',
};

/** Renders model Markdown into WhatsApp's dialect. */
export function renderWhatsApp(markdown: string): string {
  return renderMarkdown(markdown, whatsappDialect);
}
