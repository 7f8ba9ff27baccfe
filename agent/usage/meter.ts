/**
 * The usage meter: the one place that prices model calls, records them in the
 * ledger and enforces budgets. `metered()` (metered.ts) calls it around every
 * model call:
 *
 *   admit(request)  ─► estimate (prompt chars / 4 + outputEstimate) + used so far
 *                      > a budget? ─► BudgetExceededError (nothing is sent to the model)
 *   record(call)    ─► UsageStore.record ─► "call" event (metrics)
 *                      ─► a budget now ≥ warnAt? ─► owner alert, once per period
 *
 * @example
 * ```ts
 * const meter = new UsageMeter(stores.usage, config.usage, { alert: (text) => owners.notify(text) })
 * const model = metered(new OpenAIChatModel(config.llm), meter)
 * ```
 */
import { BoundedCache } from '../../core/bounded-cache.js';
import type { UsageStore } from '../../sessions/stores.js';
import type { NewUsage, UsageAttribution } from '../../sessions/usage-records.js';
import type { ChatMessage, Completion, CompletionRequest } from '../llm.js';
import {
  amount,
  type Budget,
  budgetId,
  budgetName,
  budgetQuery,
  budgetsFor,
  periodAt,
  raiseText,
  resetText,
} from './budgets.js';
import type { Price, UsageConfig } from './config.js';
import { RunningSums } from './sums.js';

/** A call refused before it was sent: `userMessage` says which budget, when it resets, how to raise it. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly budget: Budget,
    readonly used: number,
    readonly userMessage: string,
  ) {
    super(`${budgetId(budget)} has no room: ${used} of ${budget.limit} used`);
  }
}

/** What the meter reports, for metrics. */
export type MeterEvent =
  | ({ type: 'call' } & NewUsage)
  | { type: 'blocked'; budget: Budget }
  | { type: 'alert'; budget: Budget; level: 'warn' | 'reached' };

/** One budget with what it has used in its current period (for `/usage` and the admin page). */
export interface BudgetStatus extends Budget {
  used: number;
  /** used / limit. */
  fraction: number;
  resetsAt: number;
}

export interface MeterOptions {
  /** Sends a message to the owners (80 % warnings, budgets reached). */
  alert?: (text: string) => Promise<void> | void;
  /** Where failures of the ledger or of an alert go; they never fail the call itself. */
  log?: { error(object: object, message: string): void };
  clock?: () => number;
  /** Keep budgets' sums in memory (default); off when several processes write the ledger. */
  cacheSums?: boolean;
}

/** Tokens an image part is counted as in the estimate (a high-detail tile set). */
const IMAGE_TOKENS = 1000;

/** Characters of a message that reach the model as tokens: text, tool calls; images by count. */
function messageChars(message: ChatMessage): number {
  let chars = 0;
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') chars += content.length;
  else if (Array.isArray(content))
    for (const part of content as { type: string; text?: string }[])
      chars += part.type === 'text' ? (part.text ?? '').length : IMAGE_TOKENS * 4;
  const calls = (message as { tool_calls?: { function?: { name: string; arguments: string } }[] })
    .tool_calls;
  for (const call of calls ?? [])
    chars += (call.function?.name.length ?? 0) + (call.function?.arguments.length ?? 0);
  return chars;
}

/**
 * Characters of each tool list, by identity: the router hands every call of a chat
 * type the same cached array, and serialising it cost about 0.15 ms a call.
 */
const toolChars = new WeakMap<CompletionRequest['tools'], number>();

function toolsChars(tools: CompletionRequest['tools']): number {
  if (tools.length === 0) return 0;
  let chars = toolChars.get(tools);
  if (chars === undefined) {
    chars = JSON.stringify(tools).length;
    toolChars.set(tools, chars);
  }
  return chars;
}

/** Prompt tokens of a request, estimated at 4 characters per token (tool definitions included). */
export function estimatePromptTokens(
  request: Pick<CompletionRequest, 'messages' | 'tools'>,
): number {
  const chars =
    request.messages.reduce((sum, message) => sum + messageChars(message) + 16, 0) +
    toolsChars(request.tools);
  return Math.ceil(chars / 4);
}

/** Usage of a call whose provider reported none: the request and answer at 4 characters per token. */
function estimatedUsage(
  request: CompletionRequest,
  completion: Completion,
): NonNullable<Completion['usage']> {
  const answer =
    (completion.content ?? '').length +
    completion.toolCalls.reduce(
      (sum, call) => sum + call.function.name.length + call.function.arguments.length,
      0,
    );
  return {
    promptTokens: estimatePromptTokens(request),
    completionTokens: Math.ceil(answer / 4),
    cachedTokens: 0,
  };
}

export class UsageMeter {
  private readonly listeners: ((event: MeterEvent) => void)[] = [];
  private readonly clock: () => number;
  private readonly sums: RunningSums | undefined;
  /** The budgets of each attribution seen lately (the config does not change under a meter). */
  private readonly budgets = new BoundedCache<Budget[]>(1024);

  constructor(
    readonly store: UsageStore,
    readonly config: UsageConfig,
    private readonly options: MeterOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.sums = options.cacheSums === false ? undefined : new RunningSums();
  }

  on(listener: (event: MeterEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The price of a model: its own, or its base name's for a dated snapshot ("gpt-4o-2024-08-06"). */
  priceOf(model: string): Price | undefined {
    const prices = this.config.prices;
    if (prices[model]) return prices[model];
    const base = Object.keys(prices)
      .filter((name) => model.startsWith(`${name}-`))
      .sort((a, b) => b.length - a.length)[0];
    return base ? prices[base] : undefined;
  }

  /** Cost in the configured currency; null when the model has no price. */
  costOf(
    model: string,
    tokens: { prompt: number; completion: number; cached: number },
  ): number | null {
    const price = this.priceOf(model);
    if (!price) return null;
    const cached = Math.min(tokens.cached, tokens.prompt);
    return (
      ((tokens.prompt - cached) * price.input +
        cached * (price.cached ?? price.input) +
        tokens.completion * price.output) /
      1e6
    );
  }

  /** Throws {@link BudgetExceededError} when this call would go over a budget. */
  async admit(request: CompletionRequest, model: string): Promise<void> {
    const now = this.clock();
    const prompt = estimatePromptTokens(request);
    const completion = this.config.outputEstimate;
    const estimate = {
      tokens: prompt + completion,
      cost: this.costOf(model, { prompt, completion, cached: 0 }) ?? 0,
    };
    for (const status of await this.statusOf(request.attribution ?? {}, now)) {
      if (status.used + estimate[status.unit] <= status.limit) continue;
      this.emit({ type: 'blocked', budget: status });
      await this.alertOnce(status, 'reached', now);
      throw new BudgetExceededError(
        status,
        status.used,
        this.refusal(status, estimate[status.unit], now),
      );
    }
  }

  /** Records a finished call, then warns the owners of budgets it filled past `warnAt`. */
  async record(
    request: CompletionRequest,
    completion: Completion,
    model: string,
    latencyMs: number,
  ): Promise<void> {
    try {
      await this.recordUsage(request, completion, model, latencyMs);
    } catch (error) {
      this.options.log?.error({ err: error }, 'usage could not be recorded');
    }
  }

  private async recordUsage(
    request: CompletionRequest,
    completion: Completion,
    model: string,
    latencyMs: number,
  ): Promise<void> {
    // A server that reports no usage (some local ones) is counted by estimate, so
    // budgets still hold.
    const usage = completion.usage ?? estimatedUsage(request, completion);
    const used = completion.model ?? model;
    const tokens = {
      prompt: usage.promptTokens,
      completion: usage.completionTokens,
      cached: usage.cachedTokens ?? 0,
    };
    const entry: NewUsage = {
      at: this.clock(),
      model: used,
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      cachedTokens: tokens.cached,
      latencyMs,
      cost: this.costOf(used, tokens),
      ...request.attribution,
    };
    const written = this.store.record(entry);
    this.sums?.add(entry, entry.cost ?? 0);
    await written;
    this.emit({ type: 'call', ...entry });
    for (const status of await this.statusOf(request.attribution ?? {}, entry.at))
      if (status.fraction >= this.config.warnAt) await this.alertOnce(status, 'warn', entry.at);
  }

  /** Every budget of `attribution` with what it has used in its current period. */
  async statusOf(attribution: UsageAttribution, now = this.clock()): Promise<BudgetStatus[]> {
    const out: BudgetStatus[] = [];
    for (const budget of this.budgetsOf(attribution)) {
      const load = async () => {
        const totals = await this.store.totals(budgetQuery(budget, now));
        return budget.unit === 'tokens' ? totals.tokens : totals.cost;
      };
      const used = this.sums ? await this.sums.used(budget, now, load) : await load();
      out.push({
        ...budget,
        used,
        fraction: used / budget.limit,
        resetsAt: periodAt(budget.period, now).to,
      });
    }
    return out;
  }

  private budgetsOf(attribution: UsageAttribution): Budget[] {
    const { userId = '', conversationKey = '', channel = '' } = attribution;
    const key = `${userId}\0${conversationKey}\0${channel}`;
    let budgets = this.budgets.get(key);
    if (!budgets) {
      budgets = budgetsFor(this.config, attribution);
      this.budgets.set(key, budgets);
    }
    return budgets;
  }

  private refusal(status: BudgetStatus, needed: number, now: number): string {
    const unit = status.unit;
    const currency = this.config.currency;
    // Nearly used up, or this one request alone is larger than what is left.
    const state = status.fraction >= 0.9 ? 'is used up' : 'has no room for this request';
    return [
      `I can't answer this now: ${budgetName(status, 'user')} ${state} ` +
        `(${amount(status.used, unit, currency)} of ${amount(status.limit, unit, currency)} used; ` +
        `this request needs about ${amount(needed, unit, currency)}). Nothing was sent to the model.`,
      `It resets at ${resetText(status, now)}.`,
      `An owner can raise it with ${raiseText(status)}.`,
    ].join('\n');
  }

  /** Sends the owners one alert per budget, level and period. */
  private async alertOnce(
    status: BudgetStatus,
    level: 'warn' | 'reached',
    now: number,
  ): Promise<void> {
    const period = periodAt(status.period, now).label;
    if (!(await this.store.markAlerted(`${budgetId(status)}:${level}`, period))) return;
    this.emit({ type: 'alert', budget: status, level });
    const currency = this.config.currency;
    const used = `${amount(status.used, status.unit, currency)} of ${amount(status.limit, status.unit, currency)}`;
    const head =
      level === 'warn'
        ? `Usage warning: ${budgetName(status, 'owner')} is ${Math.floor(status.fraction * 100)} % used (${used}).`
        : `Budget reached: ${budgetName(status, 'owner')} is used up (${used}); calls it covers are refused.`;
    const text = `${head}\nIt resets at ${resetText(status, now)}. Raise it with ${raiseText(status)}.`;
    // Not awaited: the owners' chats must not hold up the user's answer.
    void Promise.resolve()
      .then(() => this.options.alert?.(text))
      .catch((error) => this.options.log?.error({ err: error }, 'usage alert not delivered'));
  }

  private emit(event: MeterEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
