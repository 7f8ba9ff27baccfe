/**
 * The one Markdown parse step of the outbound pipeline: model Markdown → mdast
 * (CommonMark + GFM: tables, strike-through with `~~`, task lists, autolink
 * literals, footnotes). Each channel's `format.ts` serializes this tree into its
 * dialect with {@link renderMarkdown} and a {@link Dialect} (see `./serialize.ts`),
 * so nesting in the output is always the tree's nesting: no regex can mis-nest.
 *
 *   reply text ─► parseMarkdown ─► mdast Root ─► serializer (telegram / slack / …) ─► chunk
 *
 * A single `~` is not strike-through (models write `~5 min`); `\r\n` is normalized.
 *
 * @example
 * ```ts
 * parseMarkdown('**bold _and** italic_').children[0]
 * // paragraph [strong [text 'bold _and'], text ' italic_']
 * ```
 */
import type { Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export type { Root } from 'mdast';

/**
 * The GFM extensions, built once: building them combines their constructs, which
 * cost as much again as parsing a short reply. They hold no state between parses.
 */
const options = {
  extensions: [gfm({ singleTilde: false })],
  mdastExtensions: [gfmFromMarkdown()],
};

/** Parses model Markdown into an mdast tree (positions refer to `normalizeNewlines(text)`). */
export function parseMarkdown(text: string): Root {
  return fromMarkdown(normalizeNewlines(text), options);
}

/** `\r\n` and lone `\r` → `\n`. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
