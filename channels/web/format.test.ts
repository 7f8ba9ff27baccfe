import fc from 'fast-check';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRenderer, renderHtml } from './format.js';

describe('web chat Markdown', () => {
  beforeAll(() => loadRenderer());

  it('never passes raw HTML or script links through', () => {
    const html = renderHtml(
      'a <img src=x onerror="alert(1)"> b\n\n<script>alert(2)</script>\n\n[click](javascript:alert(3)) [data](data:text/html,<b>x</b>)',
    );
    expect(html).not.toMatch(/<img|<script|javascript:|data:text/i);
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('<a title="link removed: unsafe address">click</a>');
    expect(html).not.toMatch(/href=""/);
  });

  it('renders GFM: tables, task lists, strikethrough, autolinks', () => {
    const html = renderHtml(
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ https://example.org',
    );
    expect(html).toContain('<table>');
    expect(html).toContain('<input type="checkbox" disabled="" checked="" />');
    expect(html).toContain('<del>old</del>');
    expect(html).toContain(
      '<a target="_blank" rel="noopener noreferrer" href="https://example.org">https://example.org</a>',
    );
  });

  it('highlights fenced code, keeping the code escaped', () => {
    const html = renderHtml('```ts\nconst a = "<b>" && 1;\n```');
    expect(html).toContain('<pre data-lang="ts"><code class="hljs language-ts">');
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('&quot;&lt;b&gt;&quot;');
    expect(html).not.toContain('<b>');
  });

  it('leaves code of an unknown language escaped and unhighlighted', () => {
    const html = renderHtml('```nolang\n<i>x</i>\n```');
    expect(html).toContain('<code class="hljs">&lt;i&gt;x&lt;/i&gt;\n</code>');
  });

  it('turns remote images into links instead of loading them', () => {
    const html = renderHtml('![secret](https://evil.example/?q=data)');
    expect(html).not.toContain('<img');
    expect(html).toContain('href="https://evil.example/?q=data"');
  });

  it('renders text without markup (which skips the parser) exactly as micromark does', () => {
    const pieces = [
      'a',
      'Hello',
      ' ',
      '\n',
      '\n\n',
      '"',
      "'",
      '!',
      '.',
      ',',
      '1',
      'é',
      '😀',
      '?',
      '(',
      ')',
      '{',
      '$',
      '%',
      '=',
      '-',
      '/',
      ';',
      ':',
      '\u00a0',
      '\u2028',
      '\t',
      '\r',
      '\0',
      '\ufeff',
      '*',
      '[',
      '&',
      '<',
      '@',
      'www.',
      '1. ',
      '# ',
    ];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, (markdown) => {
        const expected = micromark(markdown, { extensions: [gfm()], htmlExtensions: [gfmHtml()] });
        // Code, links and images get the renderer's own rewrites; everything else is micromark's.
        if (!/<(pre|a|img)[ >]/.test(expected)) expect(renderHtml(markdown)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    expect(renderHtml('Hello! "Quoted".\n\n\nSecond line\n')).toBe(
      '<p>Hello! &quot;Quoted&quot;.</p>\n<p>Second line</p>\n',
    );
  });
});
