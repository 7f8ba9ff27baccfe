import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PlatformError } from '../../core/errors.js';
import { compose } from './pipeline.js';
import { plainFallback } from './plain-fallback.js';
import { dm, recordingSend, text } from './testing.js';
import { RateLimiter, throttle } from './throttle.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const stripTags = (html: string) => html.replace(/<[^>]+>/g, '');
const cantParse = () =>
  new PlatformError({
    platform: 'telegram',
    status: 400,
    description: "Bad Request: can't parse entities: unexpected end tag",
    markupRefused: true,
  });

describe('the plain-text fallback', () => {
  it('resends a piece whose markup was refused as plain text, once', async () => {
    const base = recordingSend();
    base.failures.push(cantParse());
    const onFallback = vi.fn();
    const send = compose(base, plainFallback(stripTags, onFallback));
    const sent = await send(dm(), text('a <b>bold</b> move', 'telegram-html'));
    expect(base.calls.map((c) => c.message)).toEqual([
      { text: 'a <b>bold</b> move', format: 'telegram-html' },
      { text: 'a bold move', format: 'plain' },
    ]);
    expect(sent.messageId).toBe('m2');
    expect(onFallback).toHaveBeenCalledWith(expect.any(PlatformError));
  });

  it('waits its turn in the throttle before resending', async () => {
    const base = recordingSend();
    base.failures.push(cantParse());
    const limiter = new RateLimiter({ perConversationMinMs: 1000 });
    const send = compose(base, plainFallback(stripTags), throttle(limiter));
    const sent = send(dm(), text('<b>x', 'telegram-html'));
    await vi.advanceTimersByTimeAsync(999);
    expect(base.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(base.calls.map((c) => c.message.format)).toEqual(['telegram-html', 'plain']);
    expect((await sent).messageId).toBe('m2');
  });

  it('passes every other refusal on, and never falls back twice', async () => {
    const base = recordingSend();
    base.failures.push(
      new PlatformError({ platform: 'telegram', status: 400, description: 'chat not found' }),
    );
    const send = compose(base, plainFallback(stripTags));
    await expect(send(dm(), text('<b>x</b>', 'telegram-html'))).rejects.toMatchObject({
      description: 'chat not found',
    });
    base.failures.push(cantParse());
    await expect(send(dm(), text('already plain'))).rejects.toMatchObject({ markupRefused: true });
    expect(base.calls).toHaveLength(2);
  });
});
