/**
 * Model Markdown → Slack mrkdwn, the `render` step of the Slack sender pipeline
 * (format → chunk → throttle → retry → chat.postMessage).
 *
 * The Markdown is parsed once (`channels/shared/markdown.ts`) and this serializer
 * walks the tree. Slack's dialect: `*bold*` (one star), `_italic_`, `~strike~`,
 * links as `<url|text>`, no headings (bold lines instead), lists as `•` / `1.` text,
 * tables as an aligned ``` block, no language on code fences (``` and ~~~ alike
 * become ```), and `&`, `<`, `>` escaped as HTML entities everywhere, code
 * included (they start links and mentions). A link label is plain text with `|`
 * replaced (Slack ends the label there); bare URLs stay text (Slack links them).
 *
 * @example
 * ```ts
 * markdownToMrkdwn('# Title\n**bold** and [docs](https://x.y?a=1&b=2)')
 * // '*Title*\n*bold* and <https://x.y?a=1&amp;b=2|docs>'
 * ```
 */
import { type Dialect, type LinkParts, renderMarkdown } from '../shared/serialize.js';

/** Escapes the three characters Slack treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link({ plain, url, kind }: LinkParts): string {
  if (kind === 'literal') return escapeMrkdwn(plain);
  const target = escapeMrkdwn(url.replace(/\|/g, '%7C'));
  const label =
    kind === 'inline' && plain.trim() ? `|${escapeMrkdwn(plain.replace(/\|/g, '¦'))}` : '';
  return target ? `<${target}${label}>` : escapeMrkdwn(plain);
}

function quote(inner: string): string {
  return inner
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

const fenced = (body: string) => `\`\`\`\n${escapeMrkdwn(body)}\n\`\`\``;

export const slackDialect: Dialect = {
  text: escapeMrkdwn,
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  inlineCode: (value) => `\`${escapeMrkdwn(value)}\``,
  link,
  image: (alt, url) => link({ label: alt, plain: alt, url, kind: 'inline' }),
  heading: (inner) => `*${inner}*`,
  quote,
  codeBlock: (value) => fenced(value),
  table: (lines) => fenced(lines.join('\n')),
  rule: '──────────',
  bullet: '• ',
};

/** Converts model Markdown to Slack mrkdwn. */
export function markdownToMrkdwn(markdown: string): string {
  return renderMarkdown(markdown, slackDialect);
}
