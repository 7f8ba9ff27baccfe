/**
 * Model Markdown → WhatsApp formatting, the `render` step of the sender pipeline
 * (format → chunk → throttle → retry → send).
 *
 * WhatsApp knows `*bold*`, `_italic_`, `~strike~`, `` `inline code` `` and
 * ```` ``` ```` monospace blocks; lists (`- `) and quotes (`> `) show as typed.
 * So: `**b**`/`__b__` → `*b*`, `*i*` → `_i_`, `~~s~~` → `~s~`, `# Heading` → `*Heading*`,
 * `[text](url)` → `text (url)`, `* item` → `- item`, fenced blocks lose their language
 * tag (WhatsApp would print it). Code (fenced or inline) is never touched.
 *
 * @example
 * ```ts
 * renderWhatsApp('**Hi** _there_, see [docs](https://x.dev)') // '*Hi* _there_, see docs (https://x.dev)'
 * ```
 */

const BOLD = '\u0001';
const CODE = '\u0002';

/** Renders model Markdown into WhatsApp's dialect. */
export function renderWhatsApp(markdown: string): string {
  const parts = markdown.replace(/\r\n/g, '\n').split(/^(```[^\n]*\n[\s\S]*?^```[ \t]*$)/m);
  return parts
    .map((part, index) => (index % 2 === 1 ? renderFence(part) : renderProse(part)))
    .join('');
}

/** A fenced block: drop the language tag, keep the content verbatim. */
function renderFence(block: string): string {
  return block.replace(/^```[^\n]*\n/, '```\n');
}

function renderProse(text: string): string {
  const codes: string[] = [];
  const withoutCode = text.replace(/`[^`\n]+`/g, (span) => {
    codes.push(span);
    return `${CODE}${codes.length - 1}${CODE}`;
  });
  const rendered = withoutCode
    .split('\n')
    .map(renderLine)
    .join('\n')
    .replace(/!?\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_, label: string, url: string) =>
      label === url ? url : `${label} (${url})`,
    )
    .replace(/\*\*(?=\S)([^\n]*?\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(?=\S)([^\n]*?\S)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1_$2_')
    .replace(/~~(?=\S)([^\n]*?\S)~~/g, '~$1~')
    .replaceAll(BOLD, '*');
  return rendered.replace(
    new RegExp(`${CODE}(\\d+)${CODE}`, 'g'),
    (_, i: string) => codes[Number(i)]!,
  );
}

/** Line-level Markdown: headings become bold lines, `*`/`+` bullets become `-`. */
function renderLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
  if (heading) return `${BOLD}${heading[1]!.replace(/\*\*/g, '')}${BOLD}`;
  return line.replace(/^(\s*)[*+]\s+/, '$1- ');
}
