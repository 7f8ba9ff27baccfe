/**
 * Tables for chat: no messenger we serve renders Markdown tables, so every channel
 * shows a GFM table as aligned monospace lines inside its code block (Telegram
 * `<pre>`, a ``` block elsewhere). Cells are plain text (markup inside a cell
 * would show literally in monospace), columns are padded to the widest cell and
 * joined by ` | `; the header/body separator row is not shown, and columns follow
 * the header row. Alignment markers (`:---:`) are ignored: left-aligned reads best.
 *
 * @example
 * ```ts
 * tableLines([['name', 'n'], ['alpha', '1']]) // ['name  | n', 'alpha | 1']
 * ```
 */

/** Aligned lines for rows of plain-text cells (the first row is the header). */
export function tableLines(rows: string[][]): string[] {
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => width(row[column] ?? ''))),
  );
  return rows.map((row) =>
    widths
      .map((size, column) => padEnd(row[column] ?? '', size))
      .join(' | ')
      .trimEnd(),
  );
}

/** Characters as shown (code points, so an emoji counts once). */
function width(text: string): number {
  return Array.from(text).length;
}

function padEnd(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}
