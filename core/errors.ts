/**
 * The error tree every layer speaks. Adapters map their platform's errors into it in
 * exactly one place; the sender's retry step and the router decide by class only.
 *
 * - {@link PlatformError}: the platform answered and refused (HTTP-like status, code,
 *   optional retry-after). 429 and 5xx are retryable, other 4xx never are.
 * - {@link NetworkError}: no answer at all (refused, reset, timeout): retryable.
 * - {@link HandlerError}: our own code threw; wraps the cause with context.
 *
 * {@link toErrorTree} is the one policy every channel shares: the tree's own errors
 * pass through, a channel's mapper (`channels/<name>/errors.ts`) turns the platform
 * errors it recognises into the tree, and anything else is a HandlerError, which is
 * never retried (an unknown error retried in a loop hides a bug and can get a bot banned).
 */

export class ParleyError extends Error {
  override readonly name: string = 'ParleyError';
}

export interface PlatformErrorInit {
  platform: string;
  status: number;
  code?: string | number;
  description?: string;
  /** Seconds the platform asked us to wait before trying again. */
  retryAfterSeconds?: number;
  /** Extra facts (e.g. Telegram's `migrate_to_chat_id`). */
  parameters?: Record<string, unknown>;
  /**
   * The platform could not parse the text's markup (Telegram's "can't parse
   * entities"): the sender resends the same text as plain text instead.
   */
  markupRefused?: boolean;
}

export class PlatformError extends ParleyError {
  override readonly name = 'PlatformError';
  readonly platform: string;
  readonly status: number;
  readonly code: string | number | undefined;
  readonly description: string;
  readonly retryAfterSeconds: number | undefined;
  readonly parameters: Record<string, unknown>;
  readonly markupRefused: boolean;

  constructor(init: PlatformErrorInit) {
    super(
      `${init.platform} refused (${init.status}${init.code ? ` ${init.code}` : ''}): ${init.description ?? 'no description'}`,
    );
    this.platform = init.platform;
    this.status = init.status;
    this.code = init.code;
    this.description = init.description ?? '';
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.parameters = init.parameters ?? {};
    this.markupRefused = init.markupRefused ?? false;
  }

  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

export class NetworkError extends ParleyError {
  override readonly name = 'NetworkError';
  constructor(
    readonly platform: string,
    override readonly cause: unknown,
  ) {
    super(
      `${platform}: network failure: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

export class HandlerError extends ParleyError {
  override readonly name = 'HandlerError';
  constructor(
    readonly context: string,
    override readonly cause: unknown,
  ) {
    super(`${context}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** An error of the tree: what every outbound call rejects with once mapped. */
export type TreeError = PlatformError | NetworkError | HandlerError;

/**
 * One platform's mapper (`channels/<name>/errors.ts`): the tree error for a platform
 * error it recognises, `undefined` for anything else (the policy decides those).
 */
export type ErrorMapper = (error: unknown) => TreeError | undefined;

/**
 * The one error policy: tree errors pass through, `mapper` maps what it recognises,
 * everything else (our bugs, a mapper that threw) becomes a HandlerError under `context`.
 *
 * @example
 * ```ts
 * toErrorTree(new TypeError('x is undefined'), toParleyError, 'discord send') // HandlerError
 * ```
 */
export function toErrorTree(
  error: unknown,
  mapper: ErrorMapper | undefined,
  context: string,
): TreeError {
  if (isTreeError(error)) return error;
  try {
    const mapped = mapper?.(error);
    if (isTreeError(mapped)) return mapped;
  } catch (mapperFailure) {
    return new HandlerError(`${context} (error mapper failed)`, mapperFailure);
  }
  return new HandlerError(context, error);
}

function isTreeError(error: unknown): error is TreeError {
  return (
    error instanceof PlatformError || error instanceof NetworkError || error instanceof HandlerError
  );
}

/** Error codes of a connection that failed without an answer (Node, undici). */
const CONNECTION_CODES =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ENETDOWN|UND_ERR_\w+)$/;

/**
 * True when `error` (or a cause it wraps) says the request got no answer: a refused,
 * reset or timed-out connection, or an aborted request. Mappers use it to tell a
 * NetworkError from an unknown error without guessing.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const { code, name, cause } = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.test(code)) return true;
    if (name === 'AbortError' || name === 'TimeoutError' || name === 'ConnectTimeoutError')
      return true;
    current = cause;
  }
  return false;
}

/** True when the sender should try again. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof PlatformError) return error.retryable;
  return error instanceof NetworkError;
}

/** Short text for logs; never includes request bodies. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
