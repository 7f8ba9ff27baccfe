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
});
