/**
 * The model the agent talks to: the configured providers in order (the
 * conversation's choice first), each tried up to `1 + maxRetries` times with
 * backoff, all within one deadline per call.
 *
 *   attempt ─ok, finished──────────────────────────────► Completion (model = who answered)
 *     │ stream broke off / `length`: shown text? ──yes──► Completion, cutOff
 *     │ retryable (5xx 429 timeout connection stall garbled truncated), nothing shown
 *     ├──► retry same provider (backoff, retry-after) ──► … ──► next provider ("fallback")
 *     │ refused (4xx), stopped, deadline, or text already shown
 *     └──► ProviderError (with the shown text as `partial`)
 *
 * Text already streamed to the user cannot be taken back, so once a delta went out
 * nothing is retried: the reply is marked cut off or failed instead.
 */

import { ProviderError } from './errors.js';
import type { OpenAIProvider } from './openai.js';
import type { ChatModel, Completion, CompletionRequest } from './types.js';

export interface FailoverOptions {
  /** Most one `complete` call may take, retries and fallbacks included. */
  deadlineMs: number;
  /** First backoff (doubles per retry, capped at 8 s, with jitter). */
  backoffMs?: number;
}

class DeadlinePassed extends Error {}

const isTimeout = (reason: unknown) => reason instanceof Error && reason.name === 'TimeoutError';

export class FailoverModel implements ChatModel {
  constructor(
    private readonly providers: OpenAIProvider[],
    private readonly options: FailoverOptions,
  ) {
    if (providers.length === 0) throw new Error('FailoverModel needs at least one provider');
  }

  get name(): string {
    return this.providers[0]!.name;
  }

  listModels(): Promise<string[]> {
    return this.providers[0]!.listModels();
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const controller = new AbortController();
    const stop = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) stop();
    request.signal?.addEventListener('abort', stop, { once: true });
    const deadline = setTimeout(
      () => controller.abort(new DeadlinePassed()),
      this.options.deadlineMs,
    );
    let shown = '';
    const onDelta = (delta: string) => {
      shown += delta;
      request.onDelta?.(delta);
    };
    try {
      return await this.run({ ...request, onDelta, signal: controller.signal }, () => shown);
    } catch (error) {
      const reason: unknown = controller.signal.reason;
      const final =
        reason instanceof DeadlinePassed
          ? new ProviderError(
              `deadline of ${this.options.deadlineMs} ms passed`,
              `The AI provider did not finish its answer within ${Math.round(this.options.deadlineMs / 1000)} s. Please try again.`,
              undefined,
              'deadline',
            )
          : isTimeout(reason)
            ? new ProviderError(
                'the caller timed out',
                'The AI provider did not answer in time. Please try again later.',
                undefined,
                'timeout',
              )
            : controller.signal.aborted
              ? new ProviderError('stopped', 'Stopped.', undefined, 'aborted')
              : (error as ProviderError);
      throw final.withPartial(shown);
    } finally {
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', stop);
    }
  }

  private async run(request: CompletionRequest, shown: () => string): Promise<Completion> {
    const order = this.order(request.model);
    let last: ProviderError | undefined;
    for (const [index, provider] of order.entries()) {
      const tries = 1 + provider.provider.maxRetries;
      for (let attempt = 1; attempt <= tries; attempt++) {
        try {
          const { completion, finishReason } = await provider.attempt(request);
          if (finishReason && finishReason !== 'length') return completion;
          if (shown()) return { ...completion, toolCalls: [], cutOff: true };
          last = new ProviderError(
            `stream ended with finish reason ${finishReason ?? 'none'}`,
            `The answer of the AI provider "${provider.name}" kept breaking off. Please try again.`,
            undefined,
            'truncated',
          );
        } catch (error) {
          last = error instanceof ProviderError ? error : provider.explain(error);
          if (!last.retryable || shown() || request.signal?.aborted) throw last;
        }
        if (attempt < tries) {
          request.onEvent?.({ type: 'retry', model: provider.name, reason: last.kind, attempt });
          await this.pause(attempt, last.retryAfterMs, request.signal);
        }
      }
      const next = order[index + 1];
      if (next)
        request.onEvent?.({
          type: 'fallback',
          from: provider.name,
          to: next.name,
          reason: last!.kind,
        });
    }
    throw last!;
  }

  /** The providers with the preferred one (a conversation's or channel's choice) first. */
  private order(preferred: string | undefined): OpenAIProvider[] {
    const first = this.providers.find((p) => p.name === preferred);
    return first ? [first, ...this.providers.filter((p) => p !== first)] : this.providers;
  }

  private pause(attempt: number, retryAfterMs: number | undefined, signal?: AbortSignal) {
    const base = this.options.backoffMs ?? 500;
    const backoff = Math.min(base * 2 ** (attempt - 1), 8000) * (0.75 + Math.random() * 0.25);
    const ms = Math.min(retryAfterMs ?? backoff, 60_000);
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', done);
        resolve();
      }, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
