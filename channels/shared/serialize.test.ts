/**
 * The plain-text fast path of `renderMarkdown` must render exactly what the full
 * parse does, for every dialect, whenever it is taken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discordDialect } from '../discord/format.js';
import { slackDialect } from '../slack/format.js';
import { telegramDialect } from '../telegram/format.js';
import { whatsappDialect } from '../whatsapp/format.js';
import { normalizeNewlines, parseMarkdown } from './markdown.js';
import { type Dialect, isPlainText, renderMarkdown, serialize } from './serialize.js';

const dialects: [string, Dialect][] = [
  ['telegram', telegramDialect],
  ['slack', slackDialect],
  ['discord', discordDialect],
  ['whatsapp', whatsappDialect],
];

/** Text over an alphabet rich in markup characters, spaces and line breaks … */
const risky = fc.string({
  unit: fc.constantFrom(...'ab Z09.,;?\'"()-+=*_`~[]<>#|\\&!:@/ \n\n\t\r%é😀'.split('')),
  maxLength: 80,
});
/** … and chat-like text, which mostly takes the fast path. */
const chatty = fc.string({
  unit: fc.constantFrom(...'ab Z09.,;:?!\'"()/ \n\n\r%é😀'.split('')),
  maxLength: 120,
});
const text = fc.oneof(risky, chatty);

const slow = (source: string, dialect: Dialect) => {
  const normalized = normalizeNewlines(source);
  return serialize(parseMarkdown(normalized), normalized, dialect);
};

describe('renderMarkdown fast path', () => {
  it('takes the fast path for chat text and not for markup', () => {
    expect(isPlainText('Sure, I can help with that.\n\nWhat time suits you?')).toBe(true);
    expect(isPlainText('Hello! Glad to help.')).toBe(true);
    for (const markup of [
      '![alt](x.png)',
      '**b**',
      '`c`',
      'see https://x.y',
      '- item',
      '1. one',
      '# h',
      'a  \nb',
    ])
      expect(isPlainText(markup), markup).toBe(false);
  });

  for (const [name, dialect] of dialects)
    it(`renders plain text exactly as the parser would (${name})`, () => {
      fc.assert(
        fc.property(text, (source) => {
          if (!isPlainText(normalizeNewlines(source))) return;
          expect(renderMarkdown(source, dialect)).toBe(slow(source, dialect));
        }),
        { numRuns: 3000 },
      );
      // Fixed cases the generator may miss.
      for (const source of [
        'Hello there.',
        'one\ntwo',
        'one\n\n\n\ntwo',
        '\n\nlead',
        'x.',
        'Note: see http://x.y and https://a.b/c',
        'write mailto:a@b.co or xmpp:c@d.org',
        'Time: 10:30 (approx.)',
        'a\r:-',
        'left\n:-- aligned',
      ])
        expect(renderMarkdown(source, dialect), source).toBe(slow(source, dialect));
    });
});
