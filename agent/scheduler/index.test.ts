/**
 * The scheduler on a real SQLite file with fake timers: one timer for the earliest
 * job, a run submitted once at its time (inbox dedupe), missed runs following their
 * catch-up policy, and a crash between the inbox row and the advance.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conversationKey, type InboundMessage } from '../../core/contract.js';
import { openSqliteStores, type SqliteStores } from '../../sessions/sqlite/index.js';
import type { NewJob } from '../../sessions/stores.js';
import { newJob } from '../../test/contract/stores.js';
import { tempDir } from '../../test/harness.js';
import { runMessage, runMessageId, Scheduler } from './index.js';

const log = pino({ level: 'silent' });
const config = { missedAfterSeconds: 60, timeZone: 'Europe/Paris' };
const MINUTE = 60_000;

describe('scheduler', () => {
  let stores: SqliteStores;
  let submitted: InboundMessage[];
  let scheduler: Scheduler;
  let channels: Set<string>;

  const sink = () => ({
    submit: async (message: InboundMessage) => {
      const { duplicate } = await stores.inbox.accept(message, conversationKey(message));
      if (!duplicate) submitted.push(message);
      return { duplicate };
    },
    hasChannel: (id: string) => channels.has(id),
  });
  const create = async (overrides: Partial<NewJob>) => {
    const result = await stores.jobs.create(newJob(overrides), 100_000);
    if (!('job' in result)) throw new Error('limit');
    return result.job;
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-02T07:30:00Z') });
    stores = openSqliteStores(join(tempDir(), 'parley.db'));
    submitted = [];
    channels = new Set(['test']);
    scheduler = new Scheduler({ jobs: stores.jobs, config, log });
  });
  afterEach(async () => {
    scheduler.stop();
    vi.useRealTimers();
    await stores.close();
  });

  it('fires a reminder once, at its time, and then the job is done', async () => {
    const at = Date.now() + 20 * MINUTE;
    const job = await create({ schedule: { kind: 'once', at }, nextRunAt: at });
    await scheduler.start(sink());
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(20 * MINUTE - 1);
    expect(submitted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(submitted.map((m) => m.platformMessageId)).toEqual([runMessageId(job.id, at)]);
    expect(submitted[0]).toMatchObject({
      text: 'say hello',
      job: { id: job.id, dueAt: at, kind: 'run' },
      conversationId: 'c',
    });
    await vi.advanceTimersByTimeAsync(24 * 60 * MINUTE);
    await scheduler.wake();
    expect(submitted).toHaveLength(1);
    expect((await stores.jobs.get(job.id))?.state).toBe('done');
    expect((await stores.jobs.getRun(job.id, at))?.outcome).toBe('queued');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms a single timer, for the earliest of many jobs', async () => {
    const base = Date.now() + MINUTE;
    for (let i = 0; i < 500; i++)
      await create({
        schedule: { kind: 'once', at: base + i * MINUTE },
        nextRunAt: base + i * MINUTE,
      });
    await scheduler.start(sink());
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.nextWakeAt).toBe(base);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(submitted).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.nextWakeAt).toBe(base + 3 * MINUTE);
  });

  it('runs a daily cron job every day at 09:00 in its time zone', async () => {
    const schedule = { kind: 'cron' as const, expression: '0 9 * * *', timeZone: 'Europe/Paris' };
    const first = Date.parse('2026-12-02T08:00:00Z');
    const job = await create({ schedule, nextRunAt: first });
    await scheduler.start(sink());
    await vi.advanceTimersByTimeAsync(2 * 24 * 60 * MINUTE + 30 * MINUTE);
    expect(submitted.map((m) => m.job?.dueAt)).toEqual([
      first,
      first + 24 * 60 * MINUTE,
      first + 48 * 60 * MINUTE,
    ]);
    expect((await stores.jobs.get(job.id))?.nextRunAt).toBe(first + 72 * 60 * MINUTE);
  });

  it('does not run a job cancelled after the timer was armed (e.g. by the command line)', async () => {
    const at = Date.now() + MINUTE;
    const job = await create({ schedule: { kind: 'once', at }, nextRunAt: at });
    await scheduler.start(sink());
    await stores.jobs.setState(job.id, 'cancelled');
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(submitted).toHaveLength(0);
  });

  it('runs a missed daily job once on start with a note saying when it was due (run-once)', async () => {
    const schedule = { kind: 'cron' as const, expression: '0 9 * * *', timeZone: 'Europe/Paris' };
    const yesterday = Date.parse('2026-12-01T08:00:00Z');
    vi.setSystemTime(new Date('2026-12-02T08:30:00Z'));
    const job = await create({ schedule, nextRunAt: yesterday, catchUp: 'run-once' });
    await scheduler.start(sink());
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.job).toMatchObject({ kind: 'run', dueAt: yesterday });
    expect(submitted[0]!.text).toBe(
      'say hello\n\n(this was due at 2026-12-01 09:00; 1 later run was missed too)',
    );
    expect((await stores.jobs.get(job.id))?.nextRunAt).toBe(Date.parse('2026-12-03T08:00:00Z'));
  });

  it('says so in the conversation when a missed run is skipped (skip)', async () => {
    const schedule = { kind: 'cron' as const, expression: '0 9 * * *', timeZone: 'Europe/Paris' };
    const today = Date.parse('2026-12-02T08:00:00Z');
    vi.setSystemTime(new Date('2026-12-02T08:30:00Z'));
    const job = await create({ schedule, nextRunAt: today, catchUp: 'skip' });
    await scheduler.start(sink());
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.job?.kind).toBe('skip');
    expect(submitted[0]!.text).toBe(
      `Skipped scheduled job #${job.id} ("say hello"): it was due at 09:00 while I was not running. Next run: 2026-12-03 09:00.`,
    );
  });

  it('runs a job only slightly late (within missedAfterSeconds) without a note', async () => {
    const at = Date.now() - 30_000;
    await create({ schedule: { kind: 'once', at }, nextRunAt: at, catchUp: 'skip' });
    await scheduler.start(sink());
    expect(submitted.map((m) => [m.job?.kind, m.text])).toEqual([['run', 'say hello']]);
  });

  it('after a crash between the inbox row and the advance, submits nothing new and advances', async () => {
    const at = Date.now() - 10 * MINUTE;
    const intervalJob = await create({
      schedule: { kind: 'interval', everyMs: 60 * MINUTE, startAt: at },
      nextRunAt: at,
    });
    // The previous process stored the run's inbox row, then died before advancing the job.
    await sink().submit(runMessage(intervalJob, at, 'run', 'say hello'));
    submitted = [];
    await scheduler.start(sink());
    expect(submitted).toHaveLength(0);
    expect((await stores.jobs.get(intervalJob.id))?.nextRunAt).toBe(at + 60 * MINUTE);
    expect(await stores.inbox.reclaim()).toHaveLength(1);
  });

  it('records a job that cannot be submitted as failed and runs the others', async () => {
    const at = Date.now() + MINUTE;
    const broken = await create({
      schedule: { kind: 'once', at },
      nextRunAt: at,
      conversationKey: 'elsewhere',
    });
    const fine = await create({ schedule: { kind: 'once', at }, nextRunAt: at });
    await scheduler.start(sink());
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(submitted.map((m) => m.job?.id)).toEqual([fine.id]);
    expect(await stores.jobs.getRun(broken.id, at)).toMatchObject({ outcome: 'failed' });
    expect((await stores.jobs.get(broken.id))?.state).toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('records a failed receipt, and does not stall, when the job’s channel is not running', async () => {
    const at = Date.now() + MINUTE;
    const job = await create({ schedule: { kind: 'once', at }, nextRunAt: at });
    channels.clear();
    await scheduler.start(sink());
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(submitted).toHaveLength(0);
    expect(await stores.jobs.getRun(job.id, at)).toMatchObject({
      outcome: 'failed',
      error: 'channel test is not running',
    });
    expect((await stores.jobs.get(job.id))?.state).toBe('done');
  });
});
