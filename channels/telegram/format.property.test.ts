/**
 * Random Markdown always renders to Telegram HTML that is well formed: only tags
 * Telegram accepts, properly nested, nothing inside code, no quote in a quote, no
 * stray `<`, `>` or `&`; and its chunks stay well formed within the limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkHtml, htmlToPlain, renderTelegramHtml } from './format.js';

const ALLOWED = new Set(['b', 'i', 's', 'u', 'code', 'pre', 'a', 'blockquote', 'tg-spoiler']);
/** What each tag may not contain (Telegram's nesting rules). */
const FORBIDDEN_INSIDE: Record<string, Set<string>> = {
  code: ALLOWED,
  pre: new Set([...ALLOWED].filter((tag) => tag !== 'code')),
  a: new Set(['a', 'code', 'pre', 'blockquote']),
  blockquote: new Set(['blockquote']),
  b: new Set(['pre', 'blockquote']),
  i: new Set(['pre', 'blockquote']),
  s: new Set(['pre', 'blockquote']),
};

/** A tiny tag-balance parser: the first problem found, or undefined when well formed. */
function problem(html: string): string | undefined {
  const stack: string[] = [];
  const token = /<(\/?)([a-z-]+)((?: [a-z]+="[^"<>]*")?)>|&(?:lt|gt|amp|quot);|[<>&]/g;
  for (const match of html.matchAll(token)) {
    const [whole, closing, name, attrs] = match;
    if (name === undefined) {
      if (whole.length === 1) return `stray ${whole} at ${match.index}`;
      continue;
    }
    if (!ALLOWED.has(name)) return `tag ${name}`;
    if (closing) {
      if (stack.pop() !== name) return `mis-nested </${name}> at ${match.index}`;
      continue;
    }
    if (
      attrs &&
      !(name === 'a' && attrs.startsWith(' href=')) &&
      !(name === 'code' && attrs.startsWith(' class="language-'))
    )
      return `attribute ${attrs} on ${name}`;
    for (const open of stack)
      if (FORBIDDEN_INSIDE[open]?.has(name)) return `${name} inside ${open}`;
    stack.push(name);
  }
  return stack.length ? `unclosed ${stack.join(',')}` : undefined;
}

/** Markdown-ish fragments that love to overlap and nest. */
const markdown = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '**',
        '*',
        '_',
        '__',
        '~~',
        '`',
        '```',
        '~~~',
        '\n',
        '\n\n',
        '# ',
        '> ',
        '- ',
        '1. ',
        '[',
        '](',
        ')',
        'https://x.y/?a=1&b=2',
        '<',
        '>',
        '&',
        '&amp;',
        '"',
        '|',
        '---',
        '![',
        '<br>',
        '  \n',
        'word ',
        'ünï ',
        '😀',
        '| a | b |\n|---|---|\n',
        '\\*',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('telegram HTML from random Markdown', () => {
  it('is always well nested and uses only Telegram tags', () => {
    fc.assert(
      fc.property(markdown, (md) => {
        expect(problem(renderTelegramHtml(md))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('chunks into well-formed pieces within the limit that keep every visible character', () => {
    fc.assert(
      fc.property(markdown, fc.integer({ min: 80, max: 200 }), (md, limit) => {
        const html = renderTelegramHtml(md);
        const chunks = chunkHtml(html, limit);
        for (const chunk of chunks) {
          expect(chunk.length).toBeLessThanOrEqual(limit);
          expect(problem(chunk)).toBeUndefined();
        }
        const shown = (text: string) => text.replace(/\s+/g, '');
        expect(shown(chunks.map(htmlToPlain).join(''))).toBe(shown(htmlToPlain(html)));
      }),
      { numRuns: 500 },
    );
  });

  it('the tag-balance parser itself rejects what Telegram refuses', () => {
    expect(problem('<b>bold <i>and</b> italic</i>')).toMatch(/mis-nested/);
    expect(problem('<b>x')).toMatch(/unclosed/);
    expect(problem('a < b')).toMatch(/stray/);
    expect(problem('<code><b>x</b></code>')).toMatch(/inside code/);
    expect(problem('<div>x</div>')).toMatch(/tag div/);
    expect(problem('<b>ok</b> &amp; <a href="u">l</a>')).toBeUndefined();
  });
});
