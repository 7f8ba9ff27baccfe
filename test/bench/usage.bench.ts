/**
 * Usage metering bench, in-process, real SQLite file: what `metered()` adds to one
 * model call (budget check before, ledger row and alert check after), with an inner
 * model that answers at once, on a ledger already holding `rows` calls (30 days,
 * 1,000 users, 50 channels' worth of conversations). Two budget sets: the default
 * (the global daily cap, raised so it is not reached) and every scope (global, per user, per conversation, per
 * channel; daily and monthly). Also the admin report (`/api/usage`, 30 days).
 *
 * Reports microseconds per call (median of `rounds` rounds of `perRound` calls).
 * Env: PARLEY_BENCH_USAGE_ROWS (default 100000), PARLEY_BENCH_USAGE_ROUNDS (7),
 * PARLEY_BENCH_USAGE_PER_ROUND (200).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatModel } from '../../agent/llm.js';
import { usageSchema } from '../../agent/usage/config.js';
import { UsageMeter } from '../../agent/usage/meter.js';
import { metered } from '../../agent/usage/metered.js';
import { usageReport } from '../../agent/usage/report.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { tempDir } from '../harness.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export default async function bench(): Promise<Record<string, unknown>> {
  const rows = env('PARLEY_BENCH_USAGE_ROWS', 100_000);
  const rounds = env('PARLEY_BENCH_USAGE_ROUNDS', 7);
  const perRound = env('PARLEY_BENCH_USAGE_PER_ROUND', 200);
  const dir = tempDir('parley-bench-usage-');
  const stores = openSqliteStores(join(dir, 'parley.db'));
  const now = Date.now();
  const insert = stores.db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const user = i % 1000;
      void stores.usage.record({
        at: now - Math.floor((i / rows) * 30 * 86_400_000),
        model: i % 3 ? 'gpt-4o-mini' : 'gpt-4o',
        promptTokens: 1200,
        completionTokens: 200,
        cachedTokens: 300,
        latencyMs: 800,
        cost: 0.0003,
        userId: `telegram:${user}`,
        conversationKey: `telegram:bot:${user}`,
        channel: `c${user % 50}`,
      });
    }
  });
  insert();
  const inner: ChatModel = {
    name: 'gpt-4o-mini',
    complete: async () => ({
      content: 'ok',
      toolCalls: [],
      usage: { promptTokens: 1200, completionTokens: 200, cachedTokens: 0 },
    }),
  };
  const request = {
    messages: [{ role: 'user' as const, content: 'x'.repeat(2000) }],
    tools: [],
    attribution: { userId: 'telegram:7', conversationKey: 'telegram:bot:7', channel: 'c7' },
  };
  const budgets = {
    default: { global: { daily: { tokens: 1e12 } } },
    everyScope: {
      global: { daily: { tokens: 1e12 }, monthly: { cost: 1e9 } },
      perUser: { daily: { tokens: 1e12 }, monthly: { tokens: 1e12 } },
      perConversation: { daily: { tokens: 1e12 } },
      perChannel: { monthly: { cost: 1e9 } },
    },
  };
  const out: Record<string, unknown> = { rows, rounds, perRound };
  for (const [name, set] of Object.entries(budgets)) {
    const config = usageSchema.parse({
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
      budgets: set,
    });
    const model = metered(inner, new UsageMeter(stores.usage, config));
    const bare: number[] = [];
    const wrapped: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      let started = performance.now();
      for (let i = 0; i < perRound; i++) await inner.complete(request);
      const innerUs = ((performance.now() - started) * 1000) / perRound;
      started = performance.now();
      for (let i = 0; i < perRound; i++) await model.complete(request);
      const wrappedUs = ((performance.now() - started) * 1000) / perRound;
      if (round === 0) continue; // warm-up
      bare.push(innerUs);
      wrapped.push(wrappedUs);
    }
    out[name] = {
      budgets: name === 'default' ? 1 : 7,
      overheadUsPerCall: Math.round((median(wrapped) - median(bare)) * 10) / 10,
    };
  }
  const meter = new UsageMeter(stores.usage, usageSchema.parse({ budgets: budgets.everyScope }));
  const reports: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await usageReport(meter, 30);
    reports.push(performance.now() - started);
  }
  out.adminReport30DaysMs = Math.round(median(reports) * 10) / 10;
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
