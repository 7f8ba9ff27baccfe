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

describe('log format', () => {
  it('writes readable lines with time, level and fields in pretty mode, still redacted', () => {
    const { lines, destination } = capture();
    const secret = 'sk-pretty-secret-abcdef';
    const log = createLogger({
      level: 'info',
      format: 'pretty',
      colorize: false,
      redactor: new Redactor([secret]),
      destination,
    });
    log.warn({ image: 'python:3.12-slim' }, `Sandbox unavailable (key ${secret})`);
    const text = lines.join('');
    expect(text).toMatch(
      /^\[\d\d:\d\d:\d\d\] WARN: Sandbox unavailable \(key \[redacted\]\)\n {4}image: "python:3\.12-slim"\n$/,
    );
    expect(text).not.toContain('{"');
  });

  it('colours the level when asked', () => {
    const { lines, destination } = capture();
    const log = createLogger({
      level: 'info',
      format: 'pretty',
      colorize: true,
      redactor: new Redactor([]),
      destination,
    });
    log.error('boom');
    expect(lines.join('')).toContain('\u001b[31mERROR\u001b[39m');
  });

  it('writes JSON lines when auto and the destination is not a terminal', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', format: 'auto', redactor: new Redactor([]), destination }).info(
      { n: 1 },
      'plain',
    );
    expect(JSON.parse(lines.join(''))).toMatchObject({ level: 30, msg: 'plain', n: 1 });
  });

  it('goes around the terminal prompt when a screen is given', () => {
    const { lines, destination } = capture();
    const calls: string[] = [];
    const log = createLogger({
      level: 'info',
      format: 'pretty',
      colorize: false,
      redactor: new Redactor([]),
      destination,
      screen: {
        around(write) {
          calls.push('clear');
          write();
          calls.push(`redraw after ${lines.length} line(s)`);
        },
      },
    });
    log.info('hello');
    expect(calls).toEqual(['clear', 'redraw after 1 line(s)']);
  });
});
