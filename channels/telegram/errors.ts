/**
 * The one place where grammY's errors enter Parley's error tree (core/errors.ts):
 * a Bot API refusal (`GrammyError`: error_code, description, parameters with
 * `retry_after` / `migrate_to_chat_id`) becomes a {@link PlatformError} (marked
 * `markupRefused` for "can't parse entities", so the sender resends as plain text);
 * a failed request (`HttpError`: refused, reset, timeout) becomes a {@link NetworkError}.
 * Anything else is left to the shared policy (`toErrorTree`): a HandlerError.
 */
import { GrammyError, HttpError } from 'grammy';
import { NetworkError, PlatformError, type TreeError, toErrorTree } from '../../core/errors.js';

const PLATFORM = 'telegram';

/** Telegram's refusal of our HTML. */
const MARKUP_REFUSAL = /can't parse entities/i;

/** Maps a Bot API error into the tree; `undefined` when it is not one. */
export function toParleyError(error: unknown): TreeError | undefined {
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
      markupRefused: error.error_code === 400 && MARKUP_REFUSAL.test(error.description),
    });
  }
  if (error instanceof HttpError) return new NetworkError(PLATFORM, error.error);
  return undefined;
}

/** Runs one Bot API call, rethrowing its failure in the error tree. */
export async function apiCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toErrorTree(error, toParleyError, 'telegram call');
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
  const mapped = toParleyError(error) ?? error;
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
