import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandlerError, NetworkError, PlatformError } from '../../core/errors.js';
import { compose } from './pipeline.js';
import { retry, retryDelay, withRetry } from './retry.js';
import { dm, recordingSend, text } from './testing.js';

const options = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 1 };

describe('retry', () => {
  it('waits exactly the retry-after of a 429', () => {
    const error = new PlatformError({ platform: 't', status: 429, retryAfterSeconds: 7 });
    expect(retryDelay(error, 1, options)).toBe(7000);
  });

  it('backs off exponentially on 5xx and network errors', () => {
    const error = new PlatformError({ platform: 't', status: 502 });
    expect([1, 2, 3].map((attempt) => retryDelay(error, attempt, options))).toEqual([
      100, 200, 400,
    ]);
    expect(retryDelay(new NetworkError('t', new Error('ECONNRESET')), 1, options)).toBe(100);
  });

  it('never retries other 4xx and stops at maxAttempts', () => {
    expect(
      retryDelay(new PlatformError({ platform: 't', status: 403 }), 1, options),
    ).toBeUndefined();
    expect(
      retryDelay(new PlatformError({ platform: 't', status: 400 }), 1, options),
    ).toBeUndefined();
    expect(
      retryDelay(new PlatformError({ platform: 't', status: 500 }), 4, options),
    ).toBeUndefined();
    expect(retryDelay(new Error('our bug'), 1, options)).toBeUndefined();
  });

  it('retries until success and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1)
          throw new PlatformError({ platform: 't', status: 429, retryAfterSeconds: 2 });
        if (calls === 2) throw new PlatformError({ platform: 't', status: 503 });
        return 'ok';
      },
      { ...options, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([2000, 200]);
  });

  it('gives up at once on a 401', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw new PlatformError({ platform: 't', status: 401 });
      },
      { ...options, sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(calls).toBe(1);
  });
});

describe('the retry wrap', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const retried = (overrides: Partial<typeof options> = {}) => {
    const base = recordingSend();
    const send = compose(base, retry({ ...options, ...overrides }));
    const offsets = () => base.calls.map((call) => call.at - base.calls[0]!.at);
    return { base, send, offsets };
  };

  it('waits exactly the retry-after of a 429, then sends again', async () => {
    const { base, send, offsets } = retried();
    base.failures.push(new PlatformError({ platform: 't', status: 429, retryAfterSeconds: 3 }));
    const sent = send(dm(), text('hi'));
    await vi.advanceTimersByTimeAsync(2999);
    expect(base.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(offsets()).toEqual([0, 3000]);
    expect((await sent).messageId).toBe('m2');
  });

  it('backs off exponentially on 5xx and network errors', async () => {
    const { base, send, offsets } = retried();
    base.failures.push(
      new PlatformError({ platform: 't', status: 502 }),
      new NetworkError('t', new Error('ECONNRESET')),
      new PlatformError({ platform: 't', status: 500 }),
    );
    const sent = send(dm(), text('hi'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(offsets()).toEqual([0, 100, 300, 700]);
    expect((await sent).messageId).toBe('m4');
  });

  it('never retries a 4xx other than 429', async () => {
    const { base, send } = retried();
    base.failures.push(new PlatformError({ platform: 't', status: 403 }));
    const error = await send(dm(), text('hi')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(base.calls).toHaveLength(1);
  });

  it('never retries a HandlerError (our own bug)', async () => {
    const { base, send } = retried();
    base.failures.push(new HandlerError('test send', new TypeError('x is undefined')));
    const error = await send(dm(), text('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerError);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(base.calls).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { base, send } = retried({ maxAttempts: 3 });
    for (let i = 0; i < 5; i++)
      base.failures.push(new PlatformError({ platform: 't', status: 503 }));
    const error = send(dm(), text('hi')).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await error).toMatchObject({ status: 503 });
    expect(base.calls).toHaveLength(3);
  });

  it('caps a long retry-after at maxDelayMs', async () => {
    const { base, send, offsets } = retried({ maxDelayMs: 5000 });
    base.failures.push(new PlatformError({ platform: 't', status: 429, retryAfterSeconds: 3600 }));
    void send(dm(), text('hi'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(offsets()).toEqual([0, 5000]);
  });
});
