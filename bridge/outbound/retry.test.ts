import { describe, expect, it } from 'vitest';
import { NetworkError, PlatformError } from '../../core/errors.js';
import { retryDelay, withRetry } from './retry.js';

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
