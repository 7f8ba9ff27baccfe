/**
 * Telegram end to end: a real Parley process (compiled) polling the Bot API double
 * (`test/doubles/telegram.ts`, long-polling getUpdates like the Bot API: a waiting
 * call is answered the moment an update arrives) with a model that takes
 * `MODEL_MS` to answer (`instant-llm.ts` with a delay, streamed).
 *
 * - first reply: the first DM after Parley is ready and polling (cold code paths,
 *   the provider client's first use);
 * - sequential: `MESSAGES` DMs, each sent after the previous reply, rotating over
 *   `CHATS` chats (so Telegram's 1 message/s per chat is never the wait, nor
 *   Parley's 20 messages a minute per sender, which a longer run over 50 chats hit);
 * - steady: V8 compiles the hot functions (TurboFan, on its helper threads) over
 *   the first thousands of messages, each once enough calls have run it: at
 *   20 messages a second this goes on through the whole sequential run, so its CPU
 *   holds that compilation. `STEADY_AFTER` more DMs are answered with the model
 *   at no delay (8 at a time, over 1,000 chats), then the same sequential DMs again:
 *   what a bot that has run for a while pays per message;
 * - burst: `BURST` users write at the same moment.
 *
 * Latency is update queued at the double → the reply's final text accepted by the
 * double (`sendMessage` or the edit of a streamed draft). CPU per message is
 * Parley's, split main thread / other threads (`process-stats.ts`); `overheadMs`
 * is the p50 minus the model's time. Idle CPU is read over 10 s without traffic,
 * the long poll open: once before any message (`idleCpuMsPerSecond`, from 11 s after
 * ready: the idle collection's first check, 10 s after start, gives back the heap
 * start-up grew, a one-off 50–100 ms that would otherwise fall in the window) and
 * once right after the burst (`idleCpuAfterLoadMsPerSecond`, which also holds the
 * collections that give the burst's memory back).
 *
 * Then `floor`: the same warm-up and sequential DMs answered by `telegram-floor.ts`,
 * a bot that only makes the three HTTP requests (no store, no agent).
 *
 * Env: PARLEY_BENCH_TG_MESSAGES (default 300), PARLEY_BENCH_TG_STEADY_AFTER (3000),
 * BENCH_NODE_FLAGS (V8 flags for Parley).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../cli/metrics.js';
import { startTelegramDouble, TEST_TOKEN, type TelegramDouble } from '../doubles/telegram.js';
import { spawnParley, tempDir } from '../harness.js';
import { until } from '../wait.js';
import { INSTANT_REPLY, startInstantLlm } from './instant-llm.js';
import { cpuPerMessage, cpuSample, idleCpuMsPerSecond, rssMb } from './process-stats.js';

const MODEL_MS = 50;
const MESSAGES = Number(process.env.PARLEY_BENCH_TG_MESSAGES ?? 300);
const CHATS = 100;
const BURST = 50;
const WARMUP = 30;
const STEADY_AFTER = Number(process.env.PARLEY_BENCH_TG_STEADY_AFTER ?? 3000);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));
const floorEntry = fileURLToPath(new URL('./telegram-floor.js', import.meta.url));

const ms = (n: number | null) => +(n ?? 0).toFixed(1);

type Llm = Awaited<ReturnType<typeof startInstantLlm>>;

/** Resolves each chat's pending reply when the double accepts its final text. */
function replies(double: TelegramDouble) {
  const waiting = new Map<string, (at: number) => void>();
  double.onDelivered = (record) => {
    if (record.text !== INSTANT_REPLY) return;
    const resolve = waiting.get(record.chatId);
    waiting.delete(record.chatId);
    resolve?.(performance.now());
  };
  let seq = 0;
  /** Sends one DM from `chatId` and resolves with its reply latency in ms. */
  return (chatId: number): Promise<number> => {
    const reply = new Promise<number>((resolve) => waiting.set(String(chatId), resolve));
    const sent = performance.now();
    double.message({ chatId, text: `message ${seq++}` });
    return reply.then((at) => at - sent);
  };
}

async function sequential(dm: (chatId: number) => Promise<number>, count: number, first: number) {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push(await dm(first + (i % CHATS)));
  return latencies;
}

/** `count` DMs, `inFlight` at a time, each chat of 1,000 writing in turn (chat ids from `first`). */
async function spread(dm: (chatId: number) => Promise<number>, count: number, first: number) {
  const inFlight = 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await dm(first + (next++ % 1000));
    }),
  );
}

function figures(latencies: number[], cpu: ReturnType<typeof cpuPerMessage>, seconds: number) {
  const p50 = percentile(latencies, 50);
  return {
    messages: latencies.length,
    messagesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: {
      p50: ms(p50),
      p90: ms(percentile(latencies, 90)),
      p99: ms(percentile(latencies, 99)),
    },
    overheadMs: ms((p50 ?? 0) - MODEL_MS),
    cpuMsPerMessage: cpu,
  };
}

/** Bot API calls per message during a run, by method. */
function callsPerMessage(calls: TelegramDouble['calls'], messages: number) {
  const counts: Record<string, number> = {};
  for (const { method } of calls) counts[method] = (counts[method] ?? 0) + 1;
  for (const method of Object.keys(counts))
    counts[method] = +(counts[method]! / messages).toFixed(2);
  return counts;
}

async function measured(pid: number, double: TelegramDouble, run: () => Promise<number[]>) {
  const before = cpuSample(pid);
  const firstCall = double.calls.length;
  const started = performance.now();
  const latencies = await run();
  const seconds = (performance.now() - started) / 1000;
  return {
    ...figures(latencies, cpuPerMessage(before, cpuSample(pid), latencies.length), seconds),
    botApiCallsPerMessage: callsPerMessage(double.calls.slice(firstCall), latencies.length),
  };
}

async function parleyRun(double: TelegramDouble, llm: Llm) {
  const modelUrl = llm.baseUrl;
  const dir = tempDir('parley-bench-tg-');
  const configPath = join(dir, 'parley.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${join(dir, 'data')}`,
      'web: { port: 0, token: bench-token-0123456789abcdef }',
      'logging: { level: warn }',
      `llm: { baseUrl: "${modelUrl}", apiKey: bench, stream: true }`,
      'access: { dmPolicy: open }',
      `channels: { telegram: { enabled: true, token: "${TEST_TOKEN}", apiRoot: "${double.apiRoot}" } }`,
      'sandbox: { enabled: false }',
    ].join('\n'),
  );
  const started = performance.now();
  const { child, ready } = spawnParley(
    [...NODE_FLAGS, entry],
    { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    'inherit',
  );
  await ready;
  const readyMs = performance.now() - started;
  const pid = child.pid!;
  try {
    await until(() => double.count('getUpdates') > 0, 10_000, { what: 'first getUpdates' });
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const idleCpu = await idleCpuMsPerSecond(pid, 10_000);
    const dm = replies(double);
    const firstReplyMs = await dm(1);
    await sequential(dm, WARMUP, 100);
    const warm = await measured(pid, double, () => sequential(dm, MESSAGES, 1000));
    llm.setDelay(0);
    await spread(dm, STEADY_AFTER, 10_000);
    llm.setDelay(MODEL_MS);
    const steady = await measured(pid, double, () => sequential(dm, MESSAGES, 2000));
    const burst = await measured(pid, double, () =>
      Promise.all(Array.from({ length: BURST }, (_, i) => dm(5000 + i))),
    );
    const idleAfterLoad = await idleCpuMsPerSecond(pid, 10_000);
    return {
      modelMs: MODEL_MS,
      startToReadyMs: Math.round(readyMs),
      firstReplyMs: ms(firstReplyMs),
      sequential: warm,
      steady: { after: WARMUP + 1 + MESSAGES + STEADY_AFTER, ...steady },
      burst,
      idleCpuMsPerSecond: idleCpu,
      idleCpuAfterLoadMsPerSecond: idleAfterLoad,
      rssMb: rssMb(pid),
      targets: {
        cpuMsPerMessage: '<= 3',
        p50: `<= ${MODEL_MS + 8} ms (model + 8)`,
        firstReplyMs: '<= 2 x sequential p50',
        idleCpuMsPerSecond: '<= 1',
      },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/**
 * The same sequential DMs answered by `telegram-floor.ts` (three HTTP requests per
 * message and nothing else): what this machine charges any Node bot on this path.
 */
async function floor(double: TelegramDouble, modelUrl: string) {
  const child = spawn(process.execPath, [floorEntry, double.apiRoot, TEST_TOKEN, modelUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((resolve, reject) => {
      child.stdout!.once('data', resolve);
      child.once('exit', (code) => reject(new Error(`the floor bot exited early (${code})`)));
    });
    const dm = replies(double);
    await sequential(dm, WARMUP, 100);
    const run = await measured(child.pid!, double, () => sequential(dm, MESSAGES, 1000));
    return { latencyMs: run.latencyMs, cpuMsPerMessage: run.cpuMsPerMessage };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export default async function bench(): Promise<Record<string, unknown>> {
  const llm = await startInstantLlm({ delayMs: MODEL_MS });
  const double = await startTelegramDouble();
  try {
    const parley = await parleyRun(double, llm);
    return { ...parley, floor: await floor(double, llm.baseUrl) };
  } finally {
    await double.close();
    await llm.close();
  }
}
