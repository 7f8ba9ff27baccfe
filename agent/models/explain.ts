/**
 * What went wrong with one provider call, in words for the chat: maps HTTP statuses,
 * unreachable hosts, timeouts, stalls and garbled answers to a {@link ProviderError}
 * with a `kind` (which `failover.ts` reads to retry, fail over or give up). The one
 * place where `openai.ts`'s failures get their user-facing text.
 */
import { ProviderError } from './errors.js';
import type { Provider } from './providers.js';

/** Nothing arrived for `idleTimeoutMs` (raised by the attempt's idle timer). */
export class Stalled extends Error {}

/** No response headers within `timeoutMs`. */
export class TimedOut extends Error {}

/** The request never reached the provider (refused, reset, DNS). */
export class Unreachable extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The provider answered with an error: an HTTP status, or 0 for an error event in a stream. */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The `retry-after` header, if any. */
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** Maps any failure of an attempt to a {@link ProviderError}. */
export function explain(provider: Provider, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const where = `the AI provider "${provider.name}"`;
  const fail = (kind: ProviderError['kind'], text: string, message = String(error)) =>
    new ProviderError(message, text, undefined, kind);
  if (error instanceof Stalled)
    return fail(
      'stall',
      `${capital(where)} stopped sending its answer. Please try again later.`,
      `no data for ${provider.idleTimeoutMs} ms`,
    );
  if (error instanceof TimedOut)
    return fail(
      'timeout',
      `${capital(where)} did not answer in time. Please try again later.`,
      'Request timed out.',
    );
  if (error instanceof Unreachable)
    return fail(
      'connection',
      `I could not reach ${where}. Is it running? Please try again later.`,
      error.message,
    );
  if (error instanceof StatusError) return explainStatus(provider, error);
  if (error instanceof SyntaxError)
    return fail(
      'malformed',
      `${capital(where)} sent a garbled answer. Please try again.`,
      error.message,
    );
  if (isAbort(error)) return fail('aborted', 'Stopped.');
  const message = error instanceof Error ? error.message : String(error);
  return fail(
    isNetwork(error) ? 'connection' : 'unknown',
    'The AI provider failed unexpectedly. Please try again later.',
    message,
  );
}

function explainStatus(provider: Provider, error: StatusError): ProviderError {
  const status = error.status;
  const retryAfter = Number(error.retryAfter);
  const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  const [kind, text]: [ProviderError['kind'], string] =
    status === 0
      ? ['server', 'The AI provider reported an error in the middle of its answer.']
      : status === 401 || status === 403
        ? [
            'refused',
            `The AI provider refused the API key (HTTP ${status}). The operator should check OPENAI_API_KEY (llm.apiKey).`,
          ]
        : status === 404
          ? [
              'refused',
              `The AI provider does not know the model "${provider.model}" (HTTP 404). The operator should check PARLEY_MODEL (llm.model).`,
            ]
          : status === 429
            ? [
                'rate-limit',
                'The AI provider is rate-limiting requests right now. Please try again in a minute.',
              ]
            : status >= 500 || status === 408 || status === 409
              ? ['server', `The AI provider is failing (HTTP ${status}). Please try again later.`]
              : ['refused', `The AI provider rejected the request (HTTP ${status}).`];
  return new ProviderError(error.message, text, status || undefined, kind, undefined, wait);
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

const isNetwork = (error: unknown) =>
  error instanceof Error &&
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|terminated|aborted/i.test(
    `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`,
  );
