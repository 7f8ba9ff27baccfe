/**
 * The mapErrors step, innermost: whatever `adapter.send` / `edit` threw leaves it as
 * an error of the tree (`core/errors.ts`), through the adapter's own mapper
 * (`adapter.mapError`, from `channels/<name>/errors.ts`) and the one policy every
 * channel shares (`toErrorTree`): an error nobody recognises is a HandlerError, which
 * the retry step above never retries.
 *
 *   format → chunk → plain fallback → throttle → retry → [mapErrors] → adapter.send
 */
import { type ErrorMapper, toErrorTree } from '../../core/errors.js';
import type { Wrap } from './pipeline.js';

/** Rethrows every failure of `next` mapped by `mapper` and the shared policy. */
export function mapErrors(mapper: ErrorMapper | undefined, context: string): Wrap {
  return (next) => async (target, message) => {
    try {
      return await next(target, message);
    } catch (error) {
      throw toErrorTree(error, mapper, context);
    }
  };
}
