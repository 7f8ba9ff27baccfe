import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandlerError, NetworkError, PlatformError } from '../../core/errors.js';
import { mapErrors } from './map-errors.js';
import { compose } from './pipeline.js';
import { retry } from './retry.js';
import { dm, recordingSend, text } from './testing.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

class FakePlatformFailure extends Error {
  constructor(readonly statusCode: number) {
    super(`failure ${statusCode}`);
  }
}

const mapper = (error: unknown) =>
  error instanceof FakePlatformFailure
    ? new PlatformError({ platform: 'fake', status: error.statusCode })
    : undefined;

async function failureOf(thrown: unknown, map = mapper): Promise<unknown> {
  const base = recordingSend();
  base.failures.push(thrown);
  return compose(base, mapErrors(map, 'fake send'))(dm(), text('hi')).catch((e: unknown) => e);
}

describe('the mapErrors wrap', () => {
  it("maps the platform's errors with the adapter's mapper", async () => {
    expect(await failureOf(new FakePlatformFailure(429))).toMatchObject({ status: 429 });
  });

  it('passes errors already in the tree through unchanged', async () => {
    const network = new NetworkError('fake', new Error('ECONNRESET'));
    expect(await failureOf(network)).toBe(network);
    const refused = new PlatformError({ platform: 'fake', status: 403 });
    expect(await failureOf(refused)).toBe(refused);
  });

  it('makes anything unknown a HandlerError with its context and cause', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const error = await failureOf(bug);
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ context: 'fake send', cause: bug });
    expect(await failureOf('a string')).toBeInstanceOf(HandlerError);
    expect(await failureOf(bug, () => undefined)).toBeInstanceOf(HandlerError);
  });

  it('makes a mapper that throws a HandlerError too', async () => {
    const error = await failureOf(new Error('x'), () => {
      throw new Error('mapper bug');
    });
    expect(error).toBeInstanceOf(HandlerError);
  });

  it('means an unknown error is never retried', async () => {
    const base = recordingSend();
    for (let i = 0; i < 5; i++) base.failures.push(new Error('our bug'));
    const send = compose(
      base,
      retry({ maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 }),
      mapErrors(mapper, 'fake send'),
    );
    const error = send(dm(), text('hi')).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await error).toBeInstanceOf(HandlerError);
    expect(base.calls).toHaveLength(1);
  });
});
