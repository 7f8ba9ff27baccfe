import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkText, chunkWithBodies, fenceAfter } from './chunk.js';

const fenceLines = (text: string) =>
  text.split('\n').filter((line) => line.trim().startsWith('```')).length;

/** Random Markdown-ish text: words, newlines, paragraph breaks, code fences, emoji. */
const markdownish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'word ',
        'longerword ',
        '\n',
        '\n\n',
        '```ts\n',
        '\n```\n',
        '😀',
        'x'.repeat(50),
        ' ',
      ),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 400 },
  )
  .map((parts) => parts.join(''));

describe('chunkText', () => {
  it('keeps every chunk within the limit, rejoins to the input, and balances fences', () => {
    fc.assert(
      fc.property(markdownish, fc.integer({ min: 16, max: 500 }), (input, limit) => {
        const chunks = chunkWithBodies(input, limit);
        expect(chunks.map((c) => c.body).join('')).toBe(input);
        let open: string | undefined;
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(limit);
          const after = fenceAfter(open, chunk.body);
          expect(fenceAfter(undefined, chunk.text)).toBeUndefined();
          if (open === undefined && after === undefined)
            expect(chunk.text).toBe(chunk.body.replace(/\n+$/, ''));
          open = after;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('prefers paragraph, then line breaks, then a hard split', () => {
    expect(chunkText(`${'a'.repeat(10)}\n\n${'b'.repeat(10)}\n${'c'.repeat(10)}`, 30)).toEqual([
      'a'.repeat(10),
      `${'b'.repeat(10)}\n${'c'.repeat(10)}`,
    ]);
    expect(chunkText(`${'a'.repeat(20)}\n${'b'.repeat(20)}`, 30)).toEqual([
      'a'.repeat(20),
      'b'.repeat(20),
    ]);
    expect(chunkText('x'.repeat(70), 30).map((c) => c.length)).toEqual([26, 26, 18]);
  });

  it('closes a code fence at a cut and reopens it with its language', () => {
    const code = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const chunks = chunkText(`Intro\n\n\`\`\`python\n${code}\n\`\`\`\nAfter`, 60);
    expect(chunks.length).toBeGreaterThan(2);
    const cut = chunks.findIndex(
      (chunk, i) => i > 0 && chunk.endsWith('```') && chunks[i + 1]?.startsWith('```python\n'),
    );
    expect(cut).toBeGreaterThan(0);
    for (const chunk of chunks) expect(fenceLines(chunk) % 2).toBe(0);
    for (const chunk of chunks) expect(fenceAfter(undefined, chunk)).toBeUndefined();
  });

  it('never splits a surrogate pair', () => {
    const chunks = chunkText('😀'.repeat(40), 25);
    for (const chunk of chunks) expect(chunk).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
    expect(chunks.join('')).toBe('😀'.repeat(40));
  });

  it('closes a ~~~ fence at a cut and reopens it with its language', () => {
    const code = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const chunks = chunkText(`Intro\n\n~~~sh\n${code}\n~~~\nAfter`, 60);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.some((chunk) => chunk.startsWith('~~~sh\nline'))).toBe(true);
    for (const chunk of chunks) expect(fenceAfter(undefined, chunk)).toBeUndefined();
    expect(fenceAfter(undefined, '~~~\n```\n')).toBe('~~~');
    expect(fenceAfter(undefined, '````\n```\n')).toBe('````');
    expect(fenceAfter(undefined, '````\n`````\n')).toBeUndefined();
  });

  it('never cuts inside <…> tokens or entities in text markup (Slack links, Discord mentions)', () => {
    const text = `${'word '.repeat(4)}<https://example.com/a|label> &amp; <@U123> ${'x'.repeat(30)}`;
    // From 36 characters on the 29-character link fits in a chunk; a longer token must be cut.
    for (let limit = 36; limit < 80; limit++) {
      for (const chunk of chunkText(text, limit)) {
        expect(chunk).not.toMatch(/<[^>]*$|^[^<]*>|&[a-z]*$/);
      }
    }
  });
});

describe('chunkText in html markup', () => {
  it('never splits a tag, an entity or a surrogate pair, and reopens open tags', () => {
    const html = `<b>${'bold &amp; 😀 '.repeat(30)}</b> <a href="https://x.y/?a=1&amp;b=2">${'link '.repeat(20)}</a>`;
    for (let limit = 40; limit < 120; limit += 7) {
      const chunks = chunkText(html, limit, 'html');
      for (const chunk of chunks) {
        expect(chunk.length).toBeLessThanOrEqual(limit);
        expect(chunk).not.toMatch(/<[^>]*$|&[a-z]*$|[\ud800-\udbff]$/);
        expect(chunk).not.toMatch(/^[^<]*>|^[a-z]*;|^[\udc00-\udfff]/);
        const opens = chunk.match(/<[a-z]/g)?.length ?? 0;
        expect(chunk.match(/<\//g)?.length ?? 0).toBe(opens);
      }
      expect(chunks.filter((chunk) => chunk.startsWith('<b>')).length).toBeGreaterThan(1);
    }
  });

  it('reopens <pre><code class> across cuts and never ends a chunk with an opening tag', () => {
    const code = Array.from({ length: 30 }, (_, i) => `line ${i} &lt;`).join('\n');
    const chunks = chunkText(
      `intro text here\n\n<pre><code class="language-js">${code}</code></pre>`,
      80,
      'html',
    );
    for (const chunk of chunks.slice(1))
      expect(chunk.startsWith('<pre><code class="language-js">')).toBe(true);
    for (const chunk of chunks) expect(chunk).not.toMatch(/<[a-z][^>]*>(<\/[a-z]+>)+$/);
  });

  it('drops chunks that show nothing and is deterministic', () => {
    const html = `<b>${'a '.repeat(100)}</b>`;
    expect(chunkText(html, 50, 'html')).toEqual(chunkText(html, 50, 'html'));
    expect(chunkText('<b></b>\n\n', 50, 'html')).toEqual([]);
  });
});
