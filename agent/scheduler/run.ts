/**
 * The router's side of a scheduled job: a message marked `job` (made by the
 * scheduler, see index.ts) is not checked against a platform sender; its text is the
 * job's instruction, answered by the model in the job's conversation, with the job's
 * token cap. Every run leaves its receipt (start, end, tokens, outcome); a run that
 * fails says in the conversation what failed.
 *
 *   router.handle ─► JobRunner.handle ─► converse (capped model) ─► Reply + receipt
 */
import type { Logger } from 'pino';
import type { Reply, Turn } from '../../bridge/index.js';
import type { JobRunOutcome } from '../../sessions/records.js';
import type { JobStore, UsageStore } from '../../sessions/stores.js';
import { type ChatModel, type Completion, type CompletionRequest, ProviderError } from '../llm.js';
import { runMessageId, shortInstruction } from './index.js';

/**
 * A model that refuses further calls once a run's tokens reach `cap`, and remembers
 * what the run used and why it stopped. A run may exceed its cap by the one call that
 * crossed it.
 */
export class CappedModel implements ChatModel {
  promptTokens = 0;
  completionTokens = 0;
  capped = false;
  failure: ProviderError | undefined;

  constructor(
    private readonly model: ChatModel,
    private readonly cap: number,
    private readonly label: string,
  ) {}

  get name(): string {
    return this.model.name;
  }

  get tokens(): number {
    return this.promptTokens + this.completionTokens;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    if (this.tokens >= this.cap) {
      this.capped = true;
      throw new ProviderError(
        `${this.label} reached its token cap`,
        `${this.label} stopped: it used ${this.tokens} tokens and its cap per run is ${this.cap}.`,
      );
    }
    try {
      const completion = await this.model.complete(request);
      this.promptTokens += completion.usage?.promptTokens ?? 0;
      this.completionTokens += completion.usage?.completionTokens ?? 0;
      return completion;
    } catch (error) {
      if (error instanceof ProviderError) this.failure = error;
      throw error;
    }
  }
}

export interface JobRunContext {
  model: ChatModel | undefined;
  providerMissing: string | undefined;
  /** The router's model turn for this message, with the model to use. */
  converse(model: ChatModel): Promise<Reply>;
}

export class JobRunner {
  /** `usage`: the ledger the metered model writes; a run's receipt takes its cost from it. */
  constructor(
    private readonly deps: { jobs: JobStore; log: Logger; usage?: Pick<UsageStore, 'totals'> },
  ) {}

  /** Runs one job message; `null` (silence) for a cancelled job or a message that is no run. */
  async handle(turn: Turn, context: JobRunContext): Promise<Reply | null> {
    const marker = turn.message.job!;
    const { jobs, log } = this.deps;
    const job = await jobs.get(marker.id);
    if (
      !job ||
      job.conversationKey !== turn.conversationKey ||
      turn.message.platformMessageId !== runMessageId(marker.id, marker.dueAt)
    ) {
      log.warn(
        { conversation: turn.conversationKey, job: marker.id },
        'not a run of a known job; dropped',
      );
      return null;
    }
    const receipt = (outcome: JobRunOutcome, extra: Record<string, unknown> = {}) =>
      jobs.recordRun(job.id, marker.dueAt, {
        outcome,
        ...(marker.note ? { note: marker.note } : {}),
        ...extra,
      });
    const label = `Scheduled job #${job.id} ("${shortInstruction(job.instruction)}")`;
    if (marker.kind === 'skip') {
      await receipt('skipped', { endedAt: Date.now() });
      return { text: marker.note ?? turn.message.text };
    }
    if (job.state === 'cancelled') {
      await receipt('cancelled', { endedAt: Date.now() });
      return null;
    }
    if (!context.model) {
      const error = context.providerMissing ?? 'no AI provider is configured';
      await receipt('failed', { error, endedAt: Date.now() });
      return { text: `${label} could not run: ${error}` };
    }
    const startedAt = Date.now();
    await receipt('running', { startedAt });
    const model = new CappedModel(context.model, job.maxTokens, label);
    let reply: Reply;
    try {
      reply = await context.converse(model);
    } catch (error) {
      log.error({ err: error, job: job.id }, 'scheduled job failed');
      await receipt('failed', {
        error: (error as Error).message,
        endedAt: Date.now(),
        ...usage(model),
      });
      return { text: `${label} failed: an internal error (the details are in Parley's log).` };
    }
    const outcome = model.capped ? 'capped' : model.failure ? 'failed' : 'ok';
    const endedAt = Date.now();
    await receipt(outcome, {
      endedAt,
      ...usage(model),
      ...(await this.costOf(job.id, startedAt, endedAt)),
      ...(model.failure ? { error: model.failure.message } : {}),
    });
    if (outcome === 'failed') return { ...reply, text: `${label} failed: ${reply.text}` };
    return reply;
  }

  /** The run's cost from the usage ledger (its calls are attributed to the job), when priced. */
  private async costOf(jobId: number, from: number, to: number): Promise<{ cost?: number }> {
    const ledger = this.deps.usage;
    if (!ledger) return {};
    const totals = await ledger.totals({ jobId: String(jobId), from, to: to + 1 });
    return totals.calls > 0 && totals.unpricedCalls === 0 ? { cost: totals.cost } : {};
  }
}

const usage = (model: CappedModel) => ({
  promptTokens: model.promptTokens,
  completionTokens: model.completionTokens,
});
