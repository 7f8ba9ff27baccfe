/**
 * Model Markdown → Discord Markdown, the `format` step of the sender pipeline for
 * Discord (`render` on the adapter; chunking to 2,000 characters follows).
 *
 * Discord already speaks most of Markdown (bold, italics, strike, inline code,
 * fences, quotes, lists, masked links, headings `#`–`###`), so rendering is about
 * the few things it shows literally: deeper headings become bold lines, tables
 * become monospace blocks, images become links, rules and `<br>` become plain
 * text. Fenced code is never touched.
 *
 * @example
 * ```ts
 * renderDiscord('#### Notes\n![chart](https://x/c.png)') // '**Notes**\n[chart](https://x/c.png)'
 * ```
 */

const FENCE = /^\s*(```|~~~)/;

/** Renders model Markdown for Discord. */
export function renderDiscord(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  let table: string[] = [];
  const flushTable = () => {
    if (table.length > 0) out.push(...tableBlock(table));
    table = [];
  };
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    if (FENCE.test(line)) {
      flushTable();
      inFence = !inFence;
      out.push(line);
    } else if (inFence) {
      out.push(line);
    } else if (/^\s*\|.*\|\s*$/.test(line)) {
      table.push(line);
    } else {
      flushTable();
      out.push(renderLine(line));
    }
  }
  flushTable();
  return out.join('\n');
}

/** One line outside code: headings, rules, images, `<br>`. */
function renderLine(line: string): string {
  const heading = /^\s{0,3}#{4,6}\s+(.+?)\s*#*\s*$/.exec(line);
  if (heading) return `**${heading[1]}**`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────────';
  return line
    .replace(/!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g, (_m, alt: string, url: string) =>
      alt.trim() ? `[${alt}](${url})` : url,
    )
    .replace(/<br\s*\/?>/gi, '\n');
}

/** A Markdown table shown as a monospace block (Discord has no tables); separator rows dropped. */
function tableBlock(rows: string[]): string[] {
  const cells = rows
    .filter((row) => !/^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(row))
    .map((row) =>
      row
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim()),
    );
  if (rows.length < 2 || cells.length === rows.length) return rows;
  const widths = cells[0]!.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  const lines = cells.map((row) =>
    widths
      .map((width, column) => (row[column] ?? '').padEnd(width))
      .join(' | ')
      .trimEnd(),
  );
  return ['```', ...lines, '```'];
}
