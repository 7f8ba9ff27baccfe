/**
 * Core benchmark: a real Parley process (compiled, web channel only) against an
 * instant loopback LLM (`instant-llm.ts`). Measures start-to-ready, idle RSS (after
 * 12 s without work, once V8 has returned memory), then drives 1,000 web
 * conversations × 10 messages over real WebSockets, once per concurrency level in
 * `ACTIVE` (a closed loop: each conversation sends its next message after the
 * reply), after a warm-up of 100 conversations. Latency is message sent → final
 * reply received. Memory is read once loaded, 12 s and 60 s after the load; idle CPU
 * over the 10 s after that. The first level is the
 * headline: enough conversations in flight to keep Parley busy, few enough that
 * the latency is Parley's work rather than time spent queueing behind others.
 * `BENCH_ACTIVE=4,16` sets the levels; `BENCH_NODE_FLAGS` passes V8 flags to Parley,
 * `BENCH_CONVERSATIONS` the conversations per level (1000); `MALLOC_ARENA_MAX` is passed on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../cli/metrics.js';
import { spawnParley, tempDir } from '../harness.js';
import { startInstantLlm } from './instant-llm.js';
import {
  cpuPerMessage,
  cpuSample,
  idleCpuMsPerSecond as idleCpuPerSecond,
  rssMb,
} from './process-stats.js';
import { BENCH_TOKEN as TOKEN, webConversation } from './web-client.js';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
const MESSAGES = 10;
const WARMUP_CONVERSATIONS = 100;
const ACTIVE = (process.env.BENCH_ACTIVE ?? '4,16').split(',').map(Number);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));

/** One pass of `CONVERSATIONS` × `MESSAGES`, `active` conversations at a time. */
async function load(
  url: string,
  pid: number,
  active: number,
  firstId: number,
  conversations = CONVERSATIONS,
) {
  const latencies: number[] = [];
  let next = 0;
  let wrongReplies = 0;
  const started = performance.now();
  const parleyCpuBefore = cpuSample(pid);
  const benchCpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: active }, async () => {
      while (next < conversations)
        wrongReplies += await webConversation(
          url,
          `bench${String(firstId + next++).padStart(6, '0')}`,
          MESSAGES,
          latencies,
        );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  return {
    messages: latencies.length,
    wrongReplies,
    conversations,
    concurrentConversations: active,
    messagesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: {
      p50: +(percentile(latencies, 50) ?? 0).toFixed(2),
      p99: +(percentile(latencies, 99) ?? 0).toFixed(2),
    },
    cpuMsPerMessage: {
      parley: cpuPerMessage(parleyCpuBefore, cpuSample(pid), latencies.length),
      benchClientsAndLlm: +((benchCpu.user + benchCpu.system) / 1000 / latencies.length).toFixed(3),
    },
  };
}

export default async function bench(): Promise<Record<string, unknown>> {
  const llm = await startInstantLlm();
  const dir = tempDir('parley-bench-');
  const configPath = join(dir, 'parley.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${join(dir, 'data')}`,
      `web: { port: 0, token: ${TOKEN} }`,
      'logging: { level: warn }',
      `llm: { baseUrl: "${llm.baseUrl}", apiKey: bench, stream: true }`,
      'queue: { concurrency: 32, capacity: 1000 }',
      'sandbox: { enabled: false }',
    ].join('\n'),
  );
  const started = performance.now();
  const { child, ready } = spawnParley(
    [...NODE_FLAGS, entry],
    {
      PATH: process.env.PATH,
      PARLEY_CONFIG: configPath,
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
    },
    'inherit',
  );
  const url = await ready;
  const readyMs = performance.now() - started;
  try {
    // V8 gives memory back after ~10 s without work: idle RSS is read after 12 s idle.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter1sMb = rssMb(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const idleRssMb = rssMb(child.pid!);
    // Warm-up (JIT, the provider client's first load), not measured.
    await load(url, child.pid!, ACTIVE[0]!, 0, WARMUP_CONVERSATIONS);
    const passes = [];
    // Client ids follow the warm-up's: a repeated id and message id is a duplicate, never answered.
    for (const [index, active] of ACTIVE.entries())
      passes.push(
        await load(url, child.pid!, active, WARMUP_CONVERSATIONS + index * CONVERSATIONS),
      );
    const loadedRssMb = rssMb(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const idleAfterLoadRssMb = rssMb(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 48_000));
    const quiet60sRssMb = rssMb(child.pid!);
    const idleCpuMsPerSecond = await idleCpuPerSecond(child.pid!, 10_000);
    return {
      ...passes[0],
      otherConcurrency: passes.slice(1),
      idleRssMb: +idleRssMb.toFixed(1),
      rssOneSecondAfterReadyMb: +rssAfter1sMb.toFixed(1),
      loadedRssMb: +loadedRssMb.toFixed(1),
      idleAfterLoadRssMb: +idleAfterLoadRssMb.toFixed(1),
      rssAfter60sQuietMb: +quiet60sRssMb.toFixed(1),
      quietToIdleRatio: +(quiet60sRssMb / idleRssMb).toFixed(2),
      idleCpuMsPerSecond,
      startToReadyMs: Math.round(readyMs),
      targets: {
        messagesPerSecond: '>= 1000',
        p99: '<= 20 ms',
        idleRssMb: '<= 80',
        loadedRssMb: '<= 100 (10,000 messages over 1,000 conversations)',
        quietToIdleRatio: '<= 1.2 (60 s after the load)',
        cpuMsPerMessage: '<= 1.0 at 4 in flight',
        startToReadyMs: '<= 1000',
      },
    };
  } finally {
    child.kill('SIGTERM');
    await llm.close();
  }
}
