/**
 * The one place where Baileys errors become Parley's error tree (core/errors.ts).
 *
 * Baileys throws `Boom` errors: `output.statusCode` carries HTTP-like codes
 * (428 "Connection Closed", 408 timed out, 515 restart required, ...), and a refusal
 * by the server carries its code in `data` with the reason as the message, e.g.
 * `new Boom('rate-overlimit', { data: 429 })`. WhatsApp gives no retry-after, so a
 * rate-overlimit waits `rateOverlimitRetrySeconds` unless the error names a delay.
 */
import {
  isConnectionFailure,
  NetworkError,
  PlatformError,
  type TreeError,
} from '../../core/errors.js';

const PLATFORM = 'whatsapp';

/** The parts of a `@hapi/boom` error we read (duck-typed: no dependency on Boom). */
interface BoomLike {
  message?: string;
  isBoom?: boolean;
  output?: { statusCode?: number; headers?: Record<string, unknown> };
  data?: unknown;
}

/** Status codes of a closed or unusable connection: the network, not a refusal. */
const CONNECTION_CODES = new Set([408, 428, 440, 500, 503, 515]);

/** The status code a Boom error carries (e.g. `connection.update`'s `lastDisconnect.error`). */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as BoomLike | undefined)?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps an error thrown by a socket call to PlatformError / NetworkError; `undefined`
 * when it is neither (the shared policy, `toErrorTree`, makes that a HandlerError).
 */
export function mapWhatsAppError(
  error: unknown,
  options: { rateOverlimitRetrySeconds: number },
): TreeError | undefined {
  const boom = (error ?? {}) as BoomLike;
  const message = boom.message ?? String(error);
  const dataCode = typeof boom.data === 'number' ? boom.data : undefined;
  const status = statusCodeOf(error);
  if (dataCode === 429 || status === 429 || /rate-overlimit/i.test(message)) {
    return new PlatformError({
      platform: PLATFORM,
      status: 429,
      code: 'rate-overlimit',
      description: message,
      retryAfterSeconds: retryAfter(boom) ?? options.rateOverlimitRetrySeconds,
    });
  }
  if (dataCode !== undefined)
    return new PlatformError({ platform: PLATFORM, status: dataCode, description: message });
  if (status !== undefined && CONNECTION_CODES.has(status))
    return new NetworkError(PLATFORM, error);
  if (status !== undefined)
    return new PlatformError({ platform: PLATFORM, status, description: message });
  if (
    isConnectionFailure(error) ||
    /ECONN|ETIMEDOUT|EAI_AGAIN|socket hang up|timed out/i.test(message)
  )
    return new NetworkError(PLATFORM, error);
  return undefined;
}

function retryAfter(boom: BoomLike): number | undefined {
  const header = boom.output?.headers?.['retry-after'] ?? boom.output?.headers?.['Retry-After'];
  const seconds = Number(header);
  return header !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
