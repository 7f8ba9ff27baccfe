import { describe, expect, it } from 'vitest';
import {
  HandlerError,
  isConnectionFailure,
  isRetryable,
  NetworkError,
  PlatformError,
  toErrorTree,
} from './errors.js';

const refused = (status: number) => new PlatformError({ platform: 'p', status });

describe('toErrorTree, the one error policy', () => {
  it('passes errors of the tree through unchanged', () => {
    const tree = [
      refused(429),
      new NetworkError('p', new Error('ECONNRESET')),
      new HandlerError('x', new Error('y')),
    ];
    for (const error of tree) expect(toErrorTree(error, () => refused(500), 'ctx')).toBe(error);
  });

  it("uses the platform's mapper for what it recognises", () => {
    const mapped = toErrorTree(new Error('platform said 502'), () => refused(502), 'ctx');
    expect(mapped).toMatchObject({ status: 502 });
  });

  it('makes everything else a HandlerError, which is never retried', () => {
    const bug = new TypeError('x is undefined');
    for (const mapper of [undefined, () => undefined]) {
      const error = toErrorTree(bug, mapper, 'discord send');
      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toMatchObject({ context: 'discord send', cause: bug });
      expect(isRetryable(error)).toBe(false);
    }
    const failing = () => {
      throw new Error('mapper bug');
    };
    expect(toErrorTree(bug, failing, 'ctx')).toBeInstanceOf(HandlerError);
  });
});

describe('isConnectionFailure', () => {
  it('recognises refused, reset and timed-out connections, also as a cause', () => {
    const refusedConnection = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
    });
    expect(isConnectionFailure(refusedConnection)).toBe(true);
    expect(isConnectionFailure(new TypeError('fetch failed', { cause: refusedConnection }))).toBe(
      true,
    );
    expect(isConnectionFailure(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }))).toBe(
      true,
    );
    expect(isConnectionFailure(new DOMException('aborted', 'AbortError'))).toBe(true);
  });

  it('does not guess for anything else', () => {
    expect(isConnectionFailure(new TypeError('x is undefined'))).toBe(false);
    expect(isConnectionFailure(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG' }))).toBe(
      false,
    );
    expect(isConnectionFailure(undefined)).toBe(false);
    expect(isConnectionFailure('ECONNRESET')).toBe(false);
  });
});
