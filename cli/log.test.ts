import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../tools/redact.js';
import { createLogger } from './log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('never writes configured secrets, wherever they appear', () => {
    const { lines, destination } = capture();
    const secret = 'sk-live-abcdefghijklmnop';
    const log = createLogger({
      level: 'info',
      redactor: new Redactor([secret, '123456:bot-token-value']),
      destination,
    });
    log.info(
      {
        config: { llm: { apiKey: secret } },
        url: `https://api.telegram.org/bot123456:bot-token-value/getMe`,
      },
      `calling with ${secret}`,
    );
    log.error({ err: new Error(`request failed for key ${secret}`) }, 'failed');
    log.info({ token: 'any-token-in-a-token-field' }, 'token field');
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('bot-token-value');
    expect(text).not.toContain('any-token-in-a-token-field');
    expect(text).toContain('[redacted]');
    expect(lines).toHaveLength(3);
  });
});
