/**
 * The plain-text fallback, the format step's second half: when the platform refuses
 * a piece's markup (`PlatformError.markupRefused`, e.g. Telegram's "can't parse
 * entities" 400), the same piece is sent once more as plain text (`adapter.toPlain`),
 * so a rendering bug never loses a message. It runs per piece, because the refusal
 * comes from the platform call, and outside the throttle, so the resend waits its turn.
 *
 *   format → chunk → [plain fallback] → throttle → retry → mapErrors → adapter.send
 */
import type { ChannelAdapter } from '../../core/contract.js';
import { PlatformError } from '../../core/errors.js';
import type { Wrap } from './pipeline.js';

/** Rendered text → the plain text it shows, the way `adapter` strips its markup. */
export function plainTextFor(adapter: ChannelAdapter): (rendered: string) => string {
  return adapter.toPlain ? (rendered) => adapter.toPlain!(rendered) : (rendered) => rendered;
}

/** Resends a piece whose markup was refused as `toPlain(text)` in the `plain` dialect. */
export function plainFallback(
  toPlain: (rendered: string) => string,
  onFallback?: (error: PlatformError) => void,
): Wrap {
  return (next) => async (target, message) => {
    try {
      return await next(target, message);
    } catch (error) {
      if (!(error instanceof PlatformError && error.markupRefused) || message.format === 'plain')
        throw error;
      onFallback?.(error);
      return next(target, { ...message, text: toPlain(message.text), format: 'plain' });
    }
  };
}
