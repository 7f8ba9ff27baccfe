/**
 * The one place where grammY's errors enter Parley's error tree (bridge/errors.ts):
 * a Bot API refusal (`GrammyError`: error_code, description, parameters with
 * `retry_after` / `migrate_to_chat_id`) becomes a {@link PlatformError}; a failed
 * request (`HttpError`: refused, reset, timeout) becomes a {@link NetworkError}.
 */
import { GrammyError, HttpError } from 'grammy';
import { NetworkError, ParleyError, PlatformError } from '../../core/errors.js';

const PLATFORM = 'telegram';

/** Maps any error thrown by a Bot API call. */
export function toParleyError(error: unknown): unknown {
  if (error instanceof ParleyError) return error;
  if (error instanceof GrammyError) {
    const parameters = { ...(error.parameters ?? {}) } as Record<string, unknown>;
    return new PlatformError({
      platform: PLATFORM,
      status: error.error_code,
      code: error.error_code,
      description: error.description,
      ...(error.parameters?.retry_after !== undefined
        ? { retryAfterSeconds: error.parameters.retry_after }
        : {}),
      parameters,
    });
  }
  if (error instanceof HttpError) return new NetworkError(PLATFORM, error.error);
  return error;
}

/** Runs one Bot API call, rethrowing its failure in the error tree. */
export async function apiCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toParleyError(error);
  }
}

/** True for a refusal whose description matches `pattern` (e.g. "can't parse entities"). */
export function refusedWith(error: unknown, status: number, pattern: RegExp): boolean {
  return (
    error instanceof PlatformError && error.status === status && pattern.test(error.description)
  );
}

/** Plain words and a fix for a refusal that stops polling (409, 401). */
export function explainFatal(error: unknown): { detail: string; fix: string } {
  const mapped = toParleyError(error);
  const status = mapped instanceof PlatformError ? mapped.status : undefined;
  if (status === 409)
    return {
      detail:
        'Telegram refused polling with 409 Conflict: another process is polling this bot token, or a webhook is set.',
      fix: 'Stop the other Parley (or other bot) using this token, or give each instance its own bot token; then restart Parley.',
    };
  if (status === 401 || status === 404)
    return {
      detail: 'Telegram rejected the bot token (401 Unauthorized).',
      fix: 'Check channels.telegram.token (env TELEGRAM_BOT_TOKEN): copy it again from @BotFather.',
    };
  return {
    detail: `Telegram polling stopped: ${mapped instanceof Error ? mapped.message : String(mapped)}`,
    fix: 'Check the network connection to api.telegram.org, then restart Parley.',
  };
}
