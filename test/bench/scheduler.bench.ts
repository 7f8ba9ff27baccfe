/**
 * Scheduler bench: what 10,000 scheduled jobs cost a Parley that waits for them.
 * Three real Parley processes (compiled, web channel only) run one after the other on
 * their own data folders: the scheduler off, no jobs, and 10,000 jobs (a third each of
 * cron jobs in several time zones, intervals and one-shot reminders, none due during
 * the bench). For each: RSS after 12 s idle, the CPU time the process uses over the
 * next `IDLE_MS` while no job is due (from /proc, in 10 ms clock ticks), and RSS at
 * the end of that window (settled; the delta is taken there). In this process (quiet,
 * so its CPU is exact): the timers a started scheduler holds over 10,000 jobs, the heap
 * it adds, its CPU over 5 s of waiting, and the time of one wake-up.
 * Targets: no measurable CPU while no job is due, at most 10 MB more RSS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { type Clock, Scheduler } from '../../agent/scheduler/index.js';
import type { JobSchedule } from '../../sessions/records.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { spawnParley, tempDir } from '../harness.js';

const JOBS = 10_000;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const TOKEN = 'bench-token-0123456789abcdef';
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));
const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC'];
const HOUR = 3_600_000;

const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Job `i` of the bench: its schedule and first run, at least a day away. */
function schedule(i: number, now: number): { schedule: JobSchedule; nextRunAt: number } {
  const day = now + 24 * HOUR;
  if (i % 3 === 0) {
    const at = day + (i % 720) * HOUR;
    return { schedule: { kind: 'once', at }, nextRunAt: at };
  }
  if (i % 3 === 1) {
    const everyMs = (1 + (i % 48)) * HOUR;
    return { schedule: { kind: 'interval', everyMs, startAt: day }, nextRunAt: day + everyMs };
  }
  const expression = `${i % 60} ${i % 24} * * ${i % 7}`;
  // A weekly cron job; its first run is placed a day away so none falls in the bench.
  return {
    schedule: { kind: 'cron', expression, timeZone: ZONES[i % ZONES.length]! },
    nextRunAt: day + (i % 168) * HOUR,
  };
}

async function seed(dataDir: string, count: number): Promise<void> {
  const stores = openSqliteStores(join(dataDir, 'parley.db'));
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const target = {
      channel: 'web',
      account: 'web',
      conversationId: `c${i % 500}`,
      chatType: 'dm' as const,
    };
    await stores.jobs.create(
      {
        owner: `web:c${i % 500}`,
        conversationKey: `web:web:c${i % 500}`,
        target,
        instruction: `bench job ${i}: summarise the news`,
        catchUp: 'run-once',
        maxTokens: 50_000,
        ...schedule(i, now),
      },
      JOBS,
    );
  }
  await stores.close();
}

/** A Parley with `jobs` scheduled jobs: idle RSS, then CPU over `IDLE_MS` with nothing due. */
async function idleParley(jobs: number, scheduler = true) {
  const dir = tempDir('parley-bench-scheduler-');
  const dataDir = join(dir, 'data');
  await seed(dataDir, jobs);
  const configPath = join(dir, 'parley.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${dataDir}`,
      `web: { port: 0, token: ${TOKEN} }`,
      'logging: { level: warn }',
      'llm: { baseUrl: "http://127.0.0.1:9/v1", apiKey: bench }',
      'sandbox: { enabled: false }',
      `scheduler: { enabled: ${scheduler} }`,
    ].join('\n'),
  );
  const { child, ready } = spawnParley(
    [entry],
    { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    'inherit',
  );
  await ready;
  try {
    await sleep(12_000);
    const idleRssMb = rssMb(child.pid!);
    const before = cpuMs(child.pid!);
    await sleep(IDLE_MS);
    const idleCpuMs = cpuMs(child.pid!) - before;
    return {
      jobs,
      idleRssMb: +idleRssMb.toFixed(1),
      idleCpuMs,
      rssAfterIdleMb: +rssMb(child.pid!).toFixed(1),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** The system clock, counting the timers it holds for the scheduler. */
function countingClock() {
  const live = new Set<NodeJS.Timeout>();
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const timer = setTimeout(() => {
        live.delete(timer);
        fn();
      }, ms);
      live.add(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      clearTimeout(handle as NodeJS.Timeout);
      live.delete(handle as NodeJS.Timeout);
    },
  };
  return { clock, live };
}

/** CPU time (µs) this process uses over `ms` of waiting. */
async function idleCpuMicros(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/**
 * In this process, over `JOBS` jobs: the timers the started scheduler holds, the heap
 * it adds, the CPU it uses over 5 s of waiting (against 5 s before it started), and
 * one wake-up (due query + next due + arming) in µs.
 */
async function inProcess() {
  const dir = tempDir('parley-bench-wake-');
  await seed(dir, JOBS);
  const stores = openSqliteStores(join(dir, 'parley.db'));
  const { clock, live } = countingClock();
  const scheduler = new Scheduler({
    jobs: stores.jobs,
    config: { missedAfterSeconds: 60, timeZone: 'UTC' },
    log: pino({ level: 'silent' }),
    clock,
  });
  const cpuBeforeStartMicros = await idleCpuMicros(5000);
  const heapBefore = process.memoryUsage().heapUsed;
  await scheduler.start({ submit: async () => ({ duplicate: false }), hasChannel: () => true });
  const heapDeltaKb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024);
  const cpuWhileWaitingMicros = await idleCpuMicros(5000);
  const timersArmed = live.size;
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    await scheduler.wake();
    times.push((performance.now() - started) * 1000);
  }
  scheduler.stop();
  await stores.close();
  times.sort((a, b) => a - b);
  return {
    timersArmed,
    heapDeltaKb,
    cpuOver5sMicros: { beforeStart: cpuBeforeStartMicros, whileWaiting: cpuWhileWaitingMicros },
    wakeMicros: { p50: Math.round(times[500]!), p99: Math.round(times[990]!) },
  };
}

export default async function bench(): Promise<Record<string, unknown>> {
  const schedulerOff = await idleParley(0, false);
  const withoutJobs = await idleParley(0);
  const withJobs = await idleParley(JOBS);
  return {
    jobs: JOBS,
    idleWindowMs: IDLE_MS,
    schedulerOff,
    withoutJobs,
    withJobs,
    // RSS after the idle window: settled, as V8 keeps returning memory for a while.
    rssDeltaMb: +(withJobs.rssAfterIdleMb - withoutJobs.rssAfterIdleMb).toFixed(1),
    idleCpuDeltaMs: withJobs.idleCpuMs - withoutJobs.idleCpuMs,
    inProcess: await inProcess(),
    targets: { idleCpuDeltaMs: 'not measurable (10 ms ticks)', rssDeltaMb: '<= 10' },
  };
}
