/**
 * The error tree every layer speaks. Adapters map their platform's errors into it in
 * exactly one place; the sender's retry step and the router decide by class only.
 *
 * - {@link PlatformError}: the platform answered and refused (HTTP-like status, code,
 *   optional retry-after). 429 and 5xx are retryable, other 4xx never are.
 * - {@link NetworkError}: no answer at all (refused, reset, timeout): retryable.
 * - {@link HandlerError}: our own code threw; wraps the cause with context.
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
}

export class PlatformError extends ParleyError {
  override readonly name = 'PlatformError';
  readonly platform: string;
  readonly status: number;
  readonly code: string | number | undefined;
  readonly description: string;
  readonly retryAfterSeconds: number | undefined;
  readonly parameters: Record<string, unknown>;

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

/** True when the sender should try again. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof PlatformError) return error.retryable;
  return error instanceof NetworkError;
}

/** Short text for logs; never includes request bodies. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
