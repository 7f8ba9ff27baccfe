/**
 * The tree walker every channel serializer builds on: mdast (from `./markdown.ts`)
 * → one channel's dialect. A channel supplies a {@link Dialect}: how to escape text
 * and how to wrap bold, italics, code, links, headings, quotes, code blocks and
 * tables. The walker does the rest the same way for everyone:
 *
 * - blocks are separated as in the source: one newline where the author wrote one,
 *   a blank line where there was one;
 * - lists become text: the dialect's bullet or `1.`, `2.` …, continuation lines and
 *   nested lists indented under the marker, task items as ☐ / ☑;
 * - bold inside a heading is dropped (the heading is bold already); `***x***` is
 *   bold around italics;
 * - `Text` followed by `---` (a setext heading by CommonMark) is shown as the text
 *   and a rule, which is what chat authors mean; `Text` over `===` is a heading;
 * - tables become aligned monospace lines (`./table.ts`) that the dialect wraps in
 *   its code block;
 * - raw HTML is shown as text, except `<br>`, which is a line break; link reference
 *   definitions are resolved and not shown; footnotes show as `[1]`.
 *
 * @example
 * ```ts
 * renderMarkdown('# Hi *you*', { ...dialect, heading: (inner) => `<b>${inner}</b>` })
 * ```
 */
import type {
  Definition,
  List,
  ListItem,
  Nodes,
  PhrasingContent,
  Root,
  RootContent,
  Table,
} from 'mdast';
import { normalizeNewlines, parseMarkdown } from './markdown.js';
import { tableLines } from './table.js';

/** Where a link came from: `[label](url)`, `<url>`, or a bare URL found in text. */
export type LinkKind = 'inline' | 'angle' | 'literal';

export interface LinkParts {
  /** The label rendered in the dialect (no code spans inside). */
  label: string;
  /** The label as plain text. */
  plain: string;
  url: string;
  kind: LinkKind;
}

/** How one channel writes each construct; every argument is already rendered. */
export interface Dialect {
  /** Escapes plain text. */
  text(value: string): string;
  strong(inner: string): string;
  emphasis(inner: string): string;
  strike(inner: string): string;
  /** A code span; `inLink` when it sits in a link label. */
  inlineCode(value: string, inLink: boolean): string;
  link(link: LinkParts): string;
  image(alt: string, url: string): string;
  heading(inner: string, depth: number): string;
  /** A block quote; `nested` when it sits inside another quote. */
  quote(inner: string, nested: boolean): string;
  codeBlock(value: string, lang: string): string;
  /** A table, given as aligned monospace lines. */
  table(lines: string[]): string;
  /** A thematic break (`---`). */
  rule: string;
  /** Marker of an unordered list item, e.g. `• `. */
  bullet: string;
}

interface State {
  dialect: Dialect;
  source: string;
  definitions: Map<string, Definition>;
  inLink: boolean;
  inHeading: boolean;
  quoteDepth: number;
}

/**
 * Parses `markdown` once and serializes it with `dialect`. Text with nothing that
 * Markdown could read as markup ({@link isPlainText}) skips the parser, which costs
 * several µs per character: it renders as its paragraphs of escaped text, exactly
 * what the tree would give (a property test holds the two paths equal).
 */
export function renderMarkdown(markdown: string, dialect: Dialect): string {
  const source = normalizeNewlines(markdown);
  if (isPlainText(source)) return plainParagraphs(source, dialect);
  return serialize(parseMarkdown(source), source, dialect);
}

/**
 * Characters and line shapes that can start markup in CommonMark + GFM: emphasis,
 * code, links and images (`[`; a `!` alone is text), autolinks (`://`, `mailto:`,
 * `@`, `www.`), entities, HTML, headings, quotes, tables, escapes, list markers and
 * rules (a line starting with `-`, `+`, `=` or a number and `.`/`)`), a table's
 * delimiter row without pipes (`:-`, which makes the line above a one-column table),
 * indented code and hard breaks (spaces at a line's edge).
 */
const MARKUP =
  /[*_`~[\]<>#|\\&@]|:\/\/|mailto:|xmpp:|www\.|^\s*(?:[-+=]|:-|\d+[.)])|[ \t]$|^[ \t]|\t/m;

/** True when `source` contains nothing a Markdown parser would read as markup. */
export function isPlainText(source: string): boolean {
  return !MARKUP.test(source);
}

/** Plain text as the walker renders it: paragraphs split at blank lines, text escaped. */
function plainParagraphs(source: string, dialect: Dialect): string {
  return paragraphsOf(source)
    .map((paragraph) => dialect.text(paragraph))
    .join('\n\n');
}

/** The paragraphs of plain text (`\n` line ends): split at blank lines, none empty. */
export function paragraphsOf(source: string): string[] {
  return source
    .replace(/^\n+|\n+$/g, '')
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph !== '');
}

/** Serializes a parsed tree; `source` is the text it was parsed from. */
export function serialize(root: Root, source: string, dialect: Dialect): string {
  const state: State = {
    dialect,
    source,
    definitions: collectDefinitions(root),
    inLink: false,
    inHeading: false,
    quoteDepth: 0,
  };
  return blocks(root.children, state);
}

function collectDefinitions(root: Root): Map<string, Definition> {
  const found = new Map<string, Definition>();
  const visit = (node: Nodes) => {
    if (node.type === 'definition' && !found.has(node.identifier)) found.set(node.identifier, node);
    if ('children' in node) for (const child of node.children) visit(child);
  };
  visit(root);
  return found;
}

/** Sibling blocks, separated as in the source; `indent` pads continuation lines (list items). */
function blocks(nodes: RootContent[], state: State, indent = ''): string {
  let out = '';
  let previous: RootContent | undefined;
  for (const node of nodes) {
    const rendered = block(node, state);
    if (rendered === undefined) continue;
    const separator = previous ? gap(previous, node) : '';
    const codeLike = node.type === 'code' || node.type === 'table';
    const padded = indent && !codeLike ? pad(rendered, indent, !previous) : rendered;
    out += separator + padded;
    previous = node;
  }
  return out;
}

/** A blank line between blocks where the source had one, else a line break. */
function gap(before: RootContent, after: RootContent): string {
  const end = before.position?.end.line ?? 0;
  const start = after.position?.start.line ?? end + 2;
  return start - end > 1 ? '\n\n' : '\n';
}

function pad(text: string, indent: string, skipFirst: boolean): string {
  return text
    .split('\n')
    .map((line, i) => (line === '' || (i === 0 && skipFirst) ? line : indent + line))
    .join('\n');
}

/** One block; `undefined` for what is not shown (definitions). */
function block(node: RootContent, state: State): string | undefined {
  const { dialect } = state;
  switch (node.type) {
    case 'paragraph':
      return inline(node.children, state);
    case 'heading':
      return heading(node.children, node.depth, startsWith(node, '#', state), state);
    case 'thematicBreak':
      return dialect.rule;
    case 'blockquote': {
      const inner = blocks(node.children, { ...state, quoteDepth: state.quoteDepth + 1 });
      return dialect.quote(inner, state.quoteDepth > 0);
    }
    case 'list':
      return list(node, state);
    case 'code':
      return dialect.codeBlock(node.value, firstWord(node.lang));
    case 'html':
      return dialect.text(breaksToNewlines(node.value));
    case 'table':
      return table(node, state);
    case 'definition':
      return undefined;
    case 'footnoteDefinition':
      return `${dialect.text(`[${node.label ?? node.identifier}] `)}${blocks(node.children, state)}`;
    default:
      return 'children' in node
        ? inline(node.children as PhrasingContent[], state)
        : dialect.text('value' in node ? String(node.value) : '');
  }
}

function heading(children: PhrasingContent[], depth: number, atx: boolean, state: State): string {
  if (!atx && depth === 2) return `${inline(children, state)}\n${state.dialect.rule}`;
  return state.dialect.heading(inline(children, { ...state, inHeading: true }), depth);
}

function startsWith(node: RootContent, char: string, state: State): boolean {
  const offset = node.position?.start.offset;
  return offset !== undefined && state.source[offset] === char;
}

function firstWord(info: string | null | undefined): string {
  return (info ?? '').trim().split(/\s+/)[0] ?? '';
}

function breaksToNewlines(html: string): string {
  return html.replace(/<br\s*\/?>/gi, '\n');
}

function list(node: List, state: State): string {
  const start = node.start ?? 1;
  let out = '';
  node.children.forEach((item, i) => {
    if (i > 0) out += gap(node.children[i - 1]!, item);
    out += listItem(item, node.ordered ? `${start + i}. ` : state.dialect.bullet, state);
  });
  return out;
}

function listItem(item: ListItem, marker: string, state: State): string {
  const check = item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '';
  const body = blocks(item.children, state, ' '.repeat(marker.length));
  return `${marker}${check}${body}`;
}

/** A table as monospace lines; rows that have no `|` in the source (GFM's lazy rows) follow as text. */
function table(node: Table, state: State): string {
  const rows = node.children;
  const end = rows.findIndex((row, i) => i > 0 && !sourceOf(row, state).includes('|'));
  const kept = end < 0 ? rows : rows.slice(0, end);
  const cells = kept.map((row) => row.children.map((cell) => plain(cell).trim()));
  const rendered = state.dialect.table(tableLines(cells));
  if (end < 0) return rendered;
  const after = rows
    .slice(end)
    .map((row) => row.children.map((cell) => inline(cell.children, state)));
  return [rendered, ...after.map((line) => line.join(' '))].join('\n');
}

function sourceOf(node: Nodes, state: State): string {
  const { start, end } = node.position ?? {};
  return start?.offset !== undefined && end?.offset !== undefined
    ? state.source.slice(start.offset, end.offset)
    : '';
}

function inline(nodes: PhrasingContent[], state: State): string {
  let out = '';
  for (const node of nodes) out += phrasing(node, state);
  return out;
}

function phrasing(node: PhrasingContent, state: State): string {
  const { dialect } = state;
  switch (node.type) {
    case 'text':
      return dialect.text(node.value);
    case 'strong':
      return state.inHeading
        ? inline(node.children, state)
        : dialect.strong(inline(node.children, state));
    case 'emphasis':
      return emphasis(node.children, state);
    case 'delete':
      return dialect.strike(inline(node.children, state));
    case 'inlineCode':
      return dialect.inlineCode(node.value, state.inLink);
    case 'break':
      return '\n';
    case 'link':
      return link(node.children, node.url, linkKind(node, state), state);
    case 'linkReference':
      return link(
        node.children,
        state.definitions.get(node.identifier)?.url ?? '',
        'inline',
        state,
      );
    case 'image':
      return dialect.image(node.alt ?? '', node.url);
    case 'imageReference':
      return dialect.image(node.alt ?? '', state.definitions.get(node.identifier)?.url ?? '');
    case 'html':
      return dialect.text(breaksToNewlines(node.value));
    case 'footnoteReference':
      return dialect.text(`[${node.label ?? node.identifier}]`);
    default:
      return dialect.text(plain(node));
  }
}

/** `***x***` parses as italics around bold; every dialect shows it as bold around italics. */
function emphasis(children: PhrasingContent[], state: State): string {
  const only = children.length === 1 ? children[0] : undefined;
  if (only?.type === 'strong' && !state.inHeading)
    return state.dialect.strong(state.dialect.emphasis(inline(only.children, state)));
  return state.dialect.emphasis(inline(children, state));
}

function link(children: PhrasingContent[], url: string, kind: LinkKind, state: State): string {
  const label = inline(children, { ...state, inLink: true });
  return state.dialect.link({ label, plain: children.map(plain).join(''), url, kind });
}

function linkKind(node: Nodes, state: State): LinkKind {
  const offset = node.position?.start.offset;
  const first = offset === undefined ? '' : state.source[offset];
  return first === '[' ? 'inline' : first === '<' ? 'angle' : 'literal';
}

/** The text a node shows, without markup. */
export function plain(node: Nodes): string {
  if ('value' in node) return node.type === 'html' ? breaksToNewlines(node.value) : node.value;
  if (node.type === 'image' || node.type === 'imageReference') return node.alt ?? '';
  if (node.type === 'break') return '\n';
  return 'children' in node ? (node.children as Nodes[]).map(plain).join('') : '';
}
