/**
 * Whole turns through one channel, in this process: a real Parley (`createApp`:
 * SQLite inbox, queue, router, sender) with the channel's adapter pointed at its
 * platform double, and a model that answers after `MODEL_MS` (`instant-llm.ts`).
 * Each message is injected at the double and timed until the double receives the
 * reply. Messages are sequential, each sent `gapMs` after the previous reply, so the
 * channel's per-conversation rate limit is never the wait.
 *
 * CPU per message is this process's (`process.cpuUsage()`), which here also holds
 * the double and the model; `mainThread` is this process's main thread
 * (`/proc/self/task/<pid>/schedstat`). The `telegram-latency` bench runs Parley as
 * its own process instead, for the figures of Parley alone.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createApp } from '../../cli/app.js';
import { percentile } from '../../cli/metrics.js';
import type { ChannelAdapter } from '../../core/contract.js';
import type { HttpRoutes } from '../../core/http.js';
import { testConfig } from '../harness.js';
import { startInstantLlm } from './instant-llm.js';

export const MODEL_MS = 50;

export interface TurnDriver {
  /** The adapter, given Parley's HTTP routes; omitted when `config` enables the channel's module. */
  adapter?(http: HttpRoutes): ChannelAdapter;
  /** Config overrides (e.g. `channels.whatsapp`) and seams for the channel's module. */
  config?: Record<string, unknown>;
  seams?: Record<string, unknown>;
  /** Resolves once the channel is connected to its double. */
  connected?(): Promise<void>;
  /** Injects message `i` at the double; `url` is Parley's HTTP server. */
  inject(i: number, url: string): void;
  /** Registers the callback the double calls when a reply reaches it. */
  onReply(listener: () => void): void;
}

const mainThreadMs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

export async function measureTurns(
  driver: TurnDriver,
  { messages = 100, warmup = 20, gapMs = 0 } = {},
): Promise<Record<string, unknown>> {
  const llm = await startInstantLlm({ delayMs: MODEL_MS });
  const config = testConfig({
    llm: { baseUrl: llm.baseUrl, apiKey: 'bench', stream: true },
    access: { dmPolicy: 'open' },
    // One sender writes every message; at 20 a minute it would get one "slow down"
    // and then no answers, which is the limiter's job, not the path measured here.
    rateLimit: { messagesPerMinute: 0 },
    ...driver.config,
  });
  const app = await createApp(config, {
    log: pino({ level: 'silent' }),
    ...(driver.seams ? { seams: driver.seams } : {}),
  });
  if (driver.adapter) app.channels.push(driver.adapter(app.http!.app));
  await app.start();
  await driver.connected?.();
  let replied: (() => void) | undefined;
  driver.onReply(() => replied?.());
  const turn = async (i: number) => {
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<void>((resolve, reject) => {
      replied = resolve;
      timer = setTimeout(() => reject(new Error(`no reply to message ${i} in 30 s`)), 30_000);
    });
    const sent = performance.now();
    driver.inject(i, app.url);
    await reply.finally(() => clearTimeout(timer));
    const latency = performance.now() - sent;
    // The gap runs from the reply: the channel's per-conversation gap counts from the
    // previous send, so a gap counted from the previous message would let a slow turn
    // make the next reply wait for the throttle.
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    return latency;
  };
  try {
    for (let i = 0; i < warmup; i++) await turn(i);
    const latencies: number[] = [];
    const cpu = process.cpuUsage();
    const main = mainThreadMs();
    for (let i = 0; i < messages; i++) latencies.push(await turn(warmup + i));
    const used = process.cpuUsage(cpu);
    const per = (ms: number) => +(ms / messages).toFixed(3);
    const p50 = percentile(latencies, 50) ?? 0;
    return {
      modelMs: MODEL_MS,
      messages,
      latencyMs: {
        p50: +p50.toFixed(1),
        p99: +(percentile(latencies, 99) ?? 0).toFixed(1),
      },
      overheadMs: +(p50 - MODEL_MS).toFixed(1),
      cpuMsPerMessageWithDouble: {
        total: per((used.user + used.system) / 1000),
        mainThread: per(mainThreadMs() - main),
      },
    };
  } finally {
    await app.stop();
    await llm.close();
  }
}
