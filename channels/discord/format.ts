/**
 * Model Markdown → Discord Markdown, the `format` step of the sender pipeline for
 * Discord (`render` on the adapter; chunking to 2,000 characters follows).
 *
 * The Markdown is parsed once (`channels/shared/markdown.ts`) and this serializer
 * writes it back in the Markdown Discord shows: `**bold**`, `*italic*`, `~~strike~~`,
 * code spans, ``` fences with their language (a ~~~ fence becomes ```), `> ` quotes,
 * `- ` / `1.` lists, masked links, headings `#`–`###`. Deeper headings become bold
 * lines, tables become an aligned ``` block, images become links, rules and `<br>`
 * become plain text. Text that would turn into markup it was not (`\*` in the
 * source, `a*b*c`) is backslash-escaped; `@everyone` and `<@id>` mentions are left
 * as written (the adapter's `allowedMentions` decides what pings).
 *
 * @example
 * ```ts
 * renderDiscord('#### Notes\n![chart](https://x/c.png)') // '**Notes**\n[chart](https://x/c.png)'
 * ```
 */
import { type Dialect, type LinkParts, renderMarkdown } from '../shared/serialize.js';

/** Backslash-escapes the characters of `text` that Discord would read as markup. */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|]/g, (char, at: number) =>
    isInert(char, text[at - 1] ?? ' ', text[at + 1] ?? ' ') ? char : `\\${char}`,
  );
}

/** Whether `char` between `before` and `after` can start or end no markup. */
function isInert(char: string, before: string, after: string): boolean {
  const space = (c: string) => /\s/.test(c);
  switch (char) {
    case '\\':
      return !/[!-/:-@[-`{-~]/.test(after);
    case '*':
      return space(before) && space(after);
    case '_':
      return (space(before) && space(after)) || (/\w/.test(before) && /\w/.test(after));
    case '~':
    case '|':
      return before !== char && after !== char;
    default:
      return false;
  }
}

/** A code span whose fence is longer than any backtick run inside. */
function codeSpan(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const padded = value.startsWith('`') || value.endsWith('`') ? ` ${value} ` : value;
  return `${ticks}${padded}${ticks}`;
}

function codeBlock(value: string, lang: string): string {
  const longest = Math.max(
    2,
    ...(value.match(/^\s*`{3,}/gm) ?? []).map((run) => run.trim().length),
  );
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang.replace(/`/g, '')}\n${value}\n${fence}`;
}

const escapeUrl = (url: string) => url.replace(/[()\s]/g, (c) => encodeURIComponent(c));

function link({ label, plain, url, kind }: LinkParts): string {
  if (kind === 'literal') return plain;
  if (kind === 'angle') return `<${url}>`;
  return plain.trim() ? `[${label}](${escapeUrl(url)})` : url;
}

function quote(inner: string): string {
  return inner
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

export const discordDialect: Dialect = {
  text: escapeDiscord,
  strong: (inner) => `**${inner}**`,
  emphasis: (inner) => `*${inner}*`,
  strike: (inner) => `~~${inner}~~`,
  inlineCode: codeSpan,
  link,
  image: (alt, url) => (alt.trim() ? `[${escapeDiscord(alt)}](${escapeUrl(url)})` : url),
  heading: (inner, depth) => (depth <= 3 ? `${'#'.repeat(depth)} ${inner}` : `**${inner}**`),
  quote,
  codeBlock,
  table: (lines) => ['```', ...lines, '```'].join('\n'),
  rule: '──────────',
  bullet: '- ',
};

/** Renders model Markdown for Discord. */
export function renderDiscord(markdown: string): string {
  return renderMarkdown(markdown, discordDialect);
}
