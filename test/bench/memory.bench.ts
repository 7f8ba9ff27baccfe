/**
 * Memory benchmark: recall latency with 100,000 stored memories on a real SQLite
 * file (WAL, FTS5), in three shapes: spread over 1,000 users (100 each, the usual
 * case), 10 users at the default cap of `memory.maxPerUser` (10,000 each), and all
 * 100,000 belonging to the one user who asks (beyond the default cap: every match of
 * the words is that user's and bm25 ranks them all). The vocabulary is small (37 words), so each
 * query word matches ~20% of the memories: pessimistic. Searches of a few words
 * (500 spread, 200 at the cap, 100 for one user; `recall` and the start-of-turn lookup use the same
 * `search`), p50 / p99 in ms,
 * plus the insert rate while filling.
 * Run alone: `npx tsx test/bench/memory.bench.ts`, or `npm run bench -- memory`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../cli/metrics.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import type { MemoryScope } from '../../sessions/stores.js';

const TOTAL = 100_000;
const WORDS = (
  'tea coffee locker code birthday sister brother dentist monday tuesday train bike ' +
  'garden project deadline invoice berlin paris flight hotel allergy peanuts cat dog ' +
  'piano guitar football marathon recipe pasta salad budget rent meeting standup'
).split(' ');

/** Deterministic pseudo-random words (the same data on every run). */
function* facts(seed: number): Generator<string> {
  let x = seed;
  for (;;) {
    const words: string[] = [];
    for (let i = 0; i < 8; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      words.push(WORDS[x % WORDS.length]!);
    }
    yield `Remember ${words.join(' ')} number ${x % 10_000}`;
  }
}

const round = (n: number | null | undefined) => Math.round((n ?? 0) * 1000) / 1000;

async function shape(users: number, searches: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-memory-'));
  const stores = openSqliteStores(join(dir, 'parley.db'));
  const scopes: MemoryScope[] = Array.from({ length: users }, (_, i) => ({
    channel: 'telegram',
    userId: String(1000 + i),
  }));
  const text = facts(42);
  const fillStart = performance.now();
  stores.db.transaction(() => {
    for (let i = 0; i < TOTAL; i++) void stores.memory.add(scopes[i % users]!, text.next().value!);
  })();
  const fillMs = performance.now() - fillStart;
  const queries = facts(7);
  const samples: number[] = [];
  let found = 0;
  for (let i = 0; i < searches + 20; i++) {
    const query = `what about ${queries.next().value!.split(' ').slice(1, 4).join(' ')}?`;
    const start = performance.now();
    const result = await stores.memory.search(scopes[i % users]!, query, 8);
    const ms = performance.now() - start;
    if (i >= 20) samples.push(ms);
    found += result.length;
  }
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    memories: TOTAL,
    users,
    perUser: TOTAL / users,
    insertsPerSecond: Math.round(TOTAL / (fillMs / 1000)),
    searches,
    averageResults: round(found / (searches + 20)),
    recallMs: { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) },
  };
}

export default async function bench(): Promise<Record<string, unknown>> {
  return {
    spread: await shape(1000, 500),
    atDefaultCap: await shape(10, 200),
    oneUser: await shape(1, 100),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await bench(), null, 2)}\n`);
}
