/**
 * Redaction of configured secrets in plain, hex and base64 forms, wherever the
 * encoded secret sits inside a longer encoded text.
 */
import { describe, expect, it } from 'vitest';
import { encodedForms, REDACTED, RedactingStream, Redactor, withoutCredentials } from './redact.js';

const SECRET = 'sk-live-0123456789abcdef';

describe('Redactor', () => {
  const redactor = new Redactor([SECRET, 'short']);

  it('replaces the plain secret and ignores values shorter than 6 characters', () => {
    expect(redactor.redact(`key=${SECRET}; short`)).toBe(`key=${REDACTED}; short`);
  });

  it.each([
    ['hex', Buffer.from(SECRET).toString('hex')],
    ['HEX', Buffer.from(SECRET).toString('hex').toUpperCase()],
    ['hex inside more hex', Buffer.from(`x${SECRET}\n`).toString('hex')],
  ])('catches the %s form', (_name, text) => {
    const out = redactor.redact(text);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(Buffer.from(SECRET).toString('hex').slice(4, -4));
  });

  it.each(['', 'a', 'ab', 'abc', 'KEY=', 'export OPENAI_API_KEY='])(
    'catches base64 and base64url whatever precedes the secret (%j)',
    (prefix) => {
      for (const encoding of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(`${prefix}${SECRET}\n`).toString(encoding);
        const out = redactor.redact(`output: ${encoded}`);
        expect(out, encoded).toContain(REDACTED);
        const decoded = Buffer.from(out.slice('output: '.length), encoding).toString('latin1');
        expect(decoded).not.toContain('0123456789');
      }
    },
  );

  it('leaves ordinary text and unrelated base64 alone', () => {
    const text = `hello ${Buffer.from('nothing secret here at all').toString('base64')}`;
    expect(redactor.redact(text)).toBe(text);
  });

  it('offers only forms long enough not to hit ordinary text', () => {
    for (const form of encodedForms('abcdef')) expect(form.length).toBeGreaterThanOrEqual(6);
  });
});

describe('RedactingStream', () => {
  it('redacts a secret split across fragments, holding back only what could start one', () => {
    const stream = new RedactingStream(new Redactor(['sk-split-secret-123456']));
    const shown = ['The key is sk-spl', 'it-secret-12', '3456, done. ', 'More text follows.']
      .map((fragment) => stream.push(fragment))
      .join('');
    const all = shown + stream.end();
    expect(all).toBe('The key is [redacted], done. More text follows.');
    expect(shown.length).toBeGreaterThan(0);
    expect(all).not.toContain('sk-spl');
  });
});

describe('withoutCredentials', () => {
  it('drops the user and password of a URL and leaves other text alone', () => {
    expect(withoutCredentials('http://user:pa%40ss@127.0.0.1:8080/v1')).toBe(
      'http://127.0.0.1:8080/v1',
    );
    expect(withoutCredentials('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });
});
