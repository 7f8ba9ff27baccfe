/**
 * Markdown → Telegram HTML, the tag-aware chunker and the plain-text fallback,
 * checked against the Bot API double's HTML parser.
 */
import { describe, expect, it } from 'vitest';
import { parseTelegramHtml } from '../../test/doubles/telegram.js';
import { chunkHtml, htmlToPlain, renderTelegramHtml } from './format.js';

describe('telegram format', () => {
  it('renders inline Markdown and escapes HTML', () => {
    expect(renderTelegramHtml('**bold** and *it* and `a<b>` & ~~no~~ <tag>')).toBe(
      '<b>bold</b> and <i>it</i> and <code>a&lt;b&gt;</code> &amp; <s>no</s> &lt;tag&gt;',
    );
  });

  it('renders links, headings, lists, quotes and code fences', () => {
    const html = renderTelegramHtml(
      '# Title\n- one\n> quoted\n> more\n[site](https://example.com/?a=1&b=2)\n```ts\nconst x = 1 < 2;\n```',
    );
    expect(html).toBe(
      [
        '<b>Title</b>',
        '• one',
        // CommonMark: the unmarked line right after a quote continues it (lazy continuation).
        '<blockquote>quoted\nmore\n<a href="https://example.com/?a=1&amp;b=2">site</a></blockquote>',
        '<pre><code class="language-ts">const x = 1 &lt; 2;</code></pre>',
      ].join('\n'),
    );
    expect('error' in parseTelegramHtml(html)).toBe(false);
  });

  it('leaves unpaired markers and snake_case alone', () => {
    expect(renderTelegramHtml('2 * 3 = 6 and my_var_name')).toBe('2 * 3 = 6 and my_var_name');
  });

  it('chunks long HTML into valid pieces, reopening open tags', () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i} <&>`).join('\n');
    const html = renderTelegramHtml(`intro\n\n\`\`\`js\n${code}\n\`\`\`\n\n**end**`);
    const chunks = chunkHtml(html, 1000);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(1000);
      expect('error' in parseTelegramHtml(chunk)).toBe(false);
    }
    expect(chunks[1]!.startsWith('<pre><code class="language-js">')).toBe(true);
    const visible = chunks.map(htmlToPlain).join('');
    expect(visible.replace(/\s+/g, '')).toBe(htmlToPlain(html).replace(/\s+/g, ''));
  });

  it('turns HTML back into the shown text for the plain fallback', () => {
    expect(htmlToPlain('<b>a</b> &lt;b&gt; &amp; <a href="x">c</a>')).toBe('a <b> & c');
  });

  it('nests overlapping emphasis properly (Telegram refused the old mis-nested HTML)', () => {
    const html = renderTelegramHtml('**bold _and** italic_');
    expect(html).toBe('<b>bold _and</b> italic_');
    expect('error' in parseTelegramHtml(html)).toBe(false);
    expect(renderTelegramHtml('*a **b** c*')).toBe('<i>a <b>b</b> c</i>');
  });

  it('renders ~~~ fences like ``` fences', () => {
    expect(renderTelegramHtml('~~~py\nx = "<y>"\n~~~\nafter')).toBe(
      '<pre><code class="language-py">x = "&lt;y&gt;"</code></pre>\nafter',
    );
    expect(renderTelegramHtml('```py\nx = "<y>"\n```\nafter')).toBe(
      renderTelegramHtml('~~~py\nx = "<y>"\n~~~\nafter'),
    );
  });

  it('shows tables as a <pre> block, ordered and task lists as text, unsafe links as text', () => {
    expect(renderTelegramHtml('| a | bb |\n|---|---|\n| ccc | d |')).toBe(
      '<pre>a   | bb\nccc | d</pre>',
    );
    expect(renderTelegramHtml('1. one\n2. two\n   - [x] sub')).toBe('1. one\n2. two\n   • ☑ sub');
    expect(renderTelegramHtml('[x](javascript:alert(1)) [`c`](https://a.b/"q")')).toBe(
      'x (javascript:alert(1)) <a href="https://a.b/&quot;q&quot;">c</a>',
    );
  });
});
