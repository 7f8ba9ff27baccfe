/**
 * Operations metrics, fed by events only (nothing in the pipeline calls in here):
 *
 *   bridge.on(BridgeEvent) ─┐
 *   router.on(RouterEvent) ─┤
 *   meter.on(MeterEvent)   ─┼─► prom-client registry ─► GET /metrics (Prometheus)
 *   bridge.depth (collect) ─┘        └─► LiveStats ─► GET /api/stats (admin charts)
 *
 * A "sandbox run" is a tool event for a tool whose registry entry has
 * `sandboxed: true`. The registry is per app (not prom-client's global one), so
 * several Parleys in one test process do not collide.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Router, RouterEvent } from '../agent/router.js';
import type { MeterEvent, UsageMeter } from '../agent/usage/meter.js';
import type { Bridge, BridgeEvent } from '../bridge/index.js';
import type { ToolRegistry } from '../tools/registry.js';

/** One bucket of the admin charts. */
export interface StatsBucket {
  /** Bucket start, ms since epoch. */
  t: number;
  messagesIn: number;
  messagesOut: number;
  failed: number;
  sandboxRuns: number;
  toolCalls: number;
  /** Queue depth sampled when the bucket was last read or written. */
  queueDepth: number;
  /** Reply latency (accept → delivered) percentiles of this bucket, ms; null without replies. */
  latencyP50: number | null;
  latencyP99: number | null;
}

export interface StatsSnapshot {
  now: number;
  bucketMs: number;
  queueDepth: number;
  active: number;
  buckets: StatsBucket[];
  totals: { messagesIn: number; messagesOut: number; sandboxRuns: number; toolCalls: number };
}

/** Percentile (nearest rank) of unsorted numbers; null when empty. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

interface Bucket extends Omit<StatsBucket, 'latencyP50' | 'latencyP99'> {
  /** A uniform sample (reservoir) of at most LATENCY_SAMPLES of the bucket's latencies. */
  latencies: number[];
  seen: number;
}

const LATENCY_SAMPLES = 1000;

/** How often the event-loop delay histogram samples (the idle process wakes this often). */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** Keeps memory per bucket bounded whatever the message rate (reservoir sampling). */
function sample(bucket: Bucket, latencyMs: number): void {
  bucket.seen++;
  if (bucket.latencies.length < LATENCY_SAMPLES) bucket.latencies.push(latencyMs);
  else {
    const slot = Math.floor(Math.random() * bucket.seen);
    if (slot < LATENCY_SAMPLES) bucket.latencies[slot] = latencyMs;
  }
}

/** Rolling per-bucket counts for the admin charts (default: 10 s buckets, 10 minutes). */
export class LiveStats {
  private readonly buckets: Bucket[] = [];
  readonly totals = { messagesIn: 0, messagesOut: 0, sandboxRuns: 0, toolCalls: 0 };

  constructor(
    private readonly depth: () => { depth: number; active: number },
    private readonly bucketMs = 10_000,
    private readonly keep = 60,
    private readonly clock: () => number = Date.now,
  ) {}

  record(kind: 'in' | 'out' | 'failed' | 'tool' | 'sandbox', latencyMs?: number): void {
    const bucket = this.current();
    const key = (
      {
        in: 'messagesIn',
        out: 'messagesOut',
        failed: 'failed',
        tool: 'toolCalls',
        sandbox: 'sandboxRuns',
      } as const
    )[kind];
    bucket[key]++;
    if (key !== 'failed') this.totals[key]++;
    if (latencyMs !== undefined) sample(bucket, latencyMs);
  }

  snapshot(): StatsSnapshot {
    this.current();
    const { depth, active } = this.depth();
    return {
      now: this.clock(),
      bucketMs: this.bucketMs,
      queueDepth: depth,
      active,
      totals: { ...this.totals },
      buckets: this.buckets.map(({ latencies, seen: _seen, ...rest }) => ({
        ...rest,
        latencyP50: percentile(latencies, 50),
        latencyP99: percentile(latencies, 99),
      })),
    };
  }

  /** The bucket of "now", creating empty ones for quiet periods. */
  private current(): Bucket {
    const start = Math.floor(this.clock() / this.bucketMs) * this.bucketMs;
    const queueDepth = this.depth().depth;
    let last = this.buckets.at(-1);
    if (last && start - last.t > this.keep * this.bucketMs) this.buckets.length = 0;
    last = this.buckets.at(-1);
    for (let t = last ? last.t + this.bucketMs : start; t <= start; t += this.bucketMs) {
      this.buckets.push({
        t,
        messagesIn: 0,
        messagesOut: 0,
        failed: 0,
        sandboxRuns: 0,
        toolCalls: 0,
        queueDepth,
        latencies: [],
        seen: 0,
      });
    }
    if (this.buckets.length > this.keep) this.buckets.splice(0, this.buckets.length - this.keep);
    const bucket = this.buckets.at(-1)!;
    bucket.queueDepth = Math.max(bucket.queueDepth, queueDepth);
    return bucket;
  }
}

export interface Metrics {
  registry: Registry;
  live: LiveStats;
}

/** What the metrics read: the bridge's and router's events, queue gauges, which tools are sandboxed. */
export interface MetricsSources {
  bridge: Bridge;
  router: Router;
  tools: ToolRegistry;
  /** The usage meter (tokens and cost by model and channel); absent without a provider. */
  usage?: UsageMeter | undefined;
}

/** Builds the registry and subscribes it to the bridge and router events of `app`. */
export function createMetrics(
  app: Pick<MetricsSources, 'bridge' | 'router' | 'tools' | 'usage'>,
): Metrics {
  const registry = new Registry();
  // prom-client samples event-loop delay with a 10 ms timer by default: 100 wake-ups a
  // second of an otherwise idle process. Once a second still catches every stall.
  collectDefaultMetrics({
    register: registry,
    prefix: 'parley_process_',
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
  });
  const live = new LiveStats(() => ({ depth: app.bridge.depth, active: app.bridge.active }));
  const m = instruments(registry, app);
  app.bridge.on((event) => onBridgeEvent(event, m, live));
  app.router.on((event) => onRouterEvent(event, m, live, app));
  app.usage?.on((event) => onMeterEvent(event, m));
  return { registry, live };
}

function instruments(registry: Registry, app: Pick<MetricsSources, 'bridge'>) {
  const registers = [registry];
  const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  return {
    messagesIn: new Counter({
      name: 'parley_messages_in_total',
      help: 'Inbound messages accepted into the inbox, per channel (duplicates excluded).',
      labelNames: ['channel'],
      registers,
    }),
    duplicates: new Counter({
      name: 'parley_messages_duplicate_total',
      help: 'Inbound messages dropped as already seen, per channel.',
      labelNames: ['channel'],
      registers,
    }),
    messagesOut: new Counter({
      name: 'parley_messages_out_total',
      help: 'Replies fully delivered, per channel.',
      labelNames: ['channel'],
      registers,
    }),
    chunksOut: new Counter({
      name: 'parley_message_chunks_out_total',
      help: 'Platform messages sent for replies (a long reply is several chunks), per channel.',
      labelNames: ['channel'],
      registers,
    }),
    failed: new Counter({
      name: 'parley_replies_failed_total',
      help: 'Replies that could not be delivered, per channel.',
      labelNames: ['channel'],
      registers,
    }),
    silent: new Counter({
      name: 'parley_messages_silent_total',
      help: 'Messages handled without a reply (ignored senders, groups without mention).',
      labelNames: ['channel'],
      registers,
    }),
    replyLatency: new Histogram({
      name: 'parley_reply_latency_seconds',
      help: 'Time from accepting a message to delivering its whole reply.',
      labelNames: ['channel'],
      buckets: seconds,
      registers,
    }),
    retries: new Counter({
      name: 'parley_platform_retries_total',
      help: 'Outbound platform calls retried, per channel and HTTP status.',
      labelNames: ['channel', 'status'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'parley_platform_rate_limited_total',
      help: 'Platform 429 answers (rate limits), per channel.',
      labelNames: ['channel'],
      registers,
    }),
    llmLatency: new Histogram({
      name: 'parley_llm_latency_seconds',
      help: 'Duration of one model turn (all tool rounds), by outcome.',
      labelNames: ['outcome'],
      buckets: seconds,
      registers,
    }),
    llmErrors: new Counter({
      name: 'parley_llm_errors_total',
      help: 'Model turns that failed at the provider.',
      registers,
    }),
    llmRetries: new Counter({
      name: 'parley_llm_retries_total',
      help: 'Model calls retried on the same model, by model and reason (server, stall, truncated …).',
      labelNames: ['model', 'reason'],
      registers,
    }),
    llmFallbacks: new Counter({
      name: 'parley_llm_fallbacks_total',
      help: 'Model calls handed to the next configured model after one failed, by models and reason.',
      labelNames: ['from', 'to', 'reason'],
      registers,
    }),
    toolCalls: new Counter({
      name: 'parley_tool_calls_total',
      help: 'Tool calls, by tool and outcome (ok, error, denied).',
      labelNames: ['tool', 'outcome'],
      registers,
    }),
    sandboxRuns: new Counter({
      name: 'parley_sandbox_runs_total',
      help: 'Calls of sandboxed tools (run in Docker workers), by tool and outcome.',
      labelNames: ['tool', 'outcome'],
      registers,
    }),
    ...usageInstruments(registers),
    queueDepth: new Gauge({
      name: 'parley_queue_depth',
      help: 'Messages waiting in the conversation queue.',
      registers,
      collect() {
        this.set(app.bridge.depth);
      },
    }),
    queueActive: new Gauge({
      name: 'parley_queue_active',
      help: 'Conversations being handled right now.',
      registers,
      collect() {
        this.set(app.bridge.active);
      },
    }),
  };
}

/** Model usage: tokens, cost and calls by model and channel, budgets and rate limits. */
function usageInstruments(registers: Registry[]) {
  return {
    llmCalls: new Counter({
      name: 'parley_llm_calls_total',
      help: 'Model calls that reported usage, by model and channel.',
      labelNames: ['model', 'channel'],
      registers,
    }),
    llmTokens: new Counter({
      name: 'parley_llm_tokens_total',
      help: 'Tokens of model calls, by model, channel and type (prompt, completion, cached; cached are part of prompt).',
      labelNames: ['model', 'channel', 'type'],
      registers,
    }),
    llmCost: new Counter({
      name: 'parley_llm_cost_total',
      help: 'Cost of model calls in the currency of usage.prices, by model and channel (calls of unpriced models add 0).',
      labelNames: ['model', 'channel'],
      registers,
    }),
    budgetBlocked: new Counter({
      name: 'parley_budget_blocked_total',
      help: 'Model calls refused before sending because a budget was reached, by scope, period and unit.',
      labelNames: ['scope', 'period', 'unit'],
      registers,
    }),
    budgetAlerts: new Counter({
      name: 'parley_budget_alerts_total',
      help: 'Owner alerts about budgets (warn: past usage.warnAt, reached), by scope and level.',
      labelNames: ['scope', 'level'],
      registers,
    }),
    sendersLimited: new Counter({
      name: 'parley_rate_limited_messages_total',
      help: 'Inbound messages refused by the per-sender rate limit, per channel.',
      labelNames: ['channel'],
      registers,
    }),
  };
}

function onMeterEvent(event: MeterEvent, m: Instruments): void {
  if (event.type === 'blocked') {
    const { scope, period, unit } = event.budget;
    m.budgetBlocked.inc({ scope, period, unit });
    return;
  }
  if (event.type === 'alert') {
    m.budgetAlerts.inc({ scope: event.budget.scope, level: event.level });
    return;
  }
  const labels = { model: event.model, channel: event.channel ?? 'none' };
  m.llmCalls.inc(labels);
  m.llmTokens.inc({ ...labels, type: 'prompt' }, event.promptTokens);
  m.llmTokens.inc({ ...labels, type: 'completion' }, event.completionTokens);
  m.llmTokens.inc({ ...labels, type: 'cached' }, event.cachedTokens);
  m.llmCost.inc(labels, event.cost ?? 0);
}

type Instruments = ReturnType<typeof instruments>;

function onBridgeEvent(event: BridgeEvent, m: Instruments, live: LiveStats): void {
  const channel = event.channel;
  switch (event.type) {
    case 'accepted':
      if (event.duplicate) m.duplicates.inc({ channel });
      else {
        m.messagesIn.inc({ channel });
        live.record('in');
      }
      break;
    case 'replied':
      m.messagesOut.inc({ channel });
      m.chunksOut.inc({ channel }, event.chunks);
      m.replyLatency.observe({ channel }, event.latencyMs / 1000);
      live.record('out', event.latencyMs);
      break;
    case 'silent':
      m.silent.inc({ channel });
      break;
    case 'failed':
      m.failed.inc({ channel });
      live.record('failed');
      break;
    case 'retry':
      m.retries.inc({ channel, status: String(event.status ?? 'network') });
      if (event.status === 429) m.rateLimited.inc({ channel });
      break;
  }
}

function onRouterEvent(
  event: RouterEvent,
  m: Instruments,
  live: LiveStats,
  app: Pick<MetricsSources, 'tools'>,
): void {
  if (event.type === 'llm') {
    m.llmLatency.observe({ outcome: event.ok ? 'ok' : 'error' }, event.latencyMs / 1000);
    if (!event.ok) m.llmErrors.inc();
    return;
  }
  if (event.type === 'rate-limited') {
    m.sendersLimited.inc({ channel: event.channel });
    return;
  }
  if (event.type === 'retry')
    return void m.llmRetries.inc({ model: event.model, reason: event.reason });
  if (event.type === 'fallback')
    return void m.llmFallbacks.inc({ from: event.from, to: event.to, reason: event.reason });
  m.toolCalls.inc({ tool: event.tool, outcome: event.outcome });
  live.record('tool');
  if (app.tools.get(event.tool)?.sandboxed && event.outcome !== 'denied') {
    m.sandboxRuns.inc({ tool: event.tool, outcome: event.outcome });
    live.record('sandbox');
  }
}
