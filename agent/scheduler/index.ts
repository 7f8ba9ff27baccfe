/**
 * The scheduler: turns due jobs into inbox rows, so a run enters the pipeline like a
 * message and is executed and delivered exactly once, in its conversation's lane:
 *
 *   JobStore.nextDue ─► one timer ─► due jobs ─► receipt ─► Bridge.submit (inbox row
 *   `job:<id>:<dueAt>`, deduplicated) ─► JobStore.advance ─► router (run.ts) ─► reply
 *
 * One timer is armed for the earliest due job only; nothing polls and no job holds
 * a timer, so waiting jobs cost a row in SQLite and no CPU. The store is the truth:
 * when the timer fires, the due jobs are read again (a job cancelled meanwhile, e.g.
 * by `parley jobs cancel`, is simply not due any more).
 *
 * Exactly once across crashes: the inbox row is written before the job is advanced.
 * A crash between the two leaves the job due; the next start submits the same
 * `job:<id>:<dueAt>` again, the inbox recognises it as a duplicate (the bridge's
 * recovery runs the stored row), and the job is advanced. A run that starts more than
 * `missedAfterSeconds` late was missed (Parley was down or asleep): its job's
 * catch-up policy runs it once with a note saying when it was due, or skips it with
 * a note in the conversation; either way the conversation hears of it.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ jobs: stores.jobs, config: config.scheduler, log })
 * await scheduler.start({ submit: (m) => bridge.submit(m), hasChannel: (id) => !!bridge.adapter(id) })
 * ```
 */
import type { Logger } from 'pino';
import { conversationKey, type InboundMessage } from '../../core/contract.js';
import type { Job } from '../../sessions/records.js';
import type { JobStore } from '../../sessions/stores.js';
import type { SchedulerConfig } from './config.js';
import { formatTime, overdue } from './schedule.js';

/** Time as the scheduler sees it; tests pass a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Where runs go: the bridge's inbox, for channels running in this process. */
export interface RunSink {
  submit(message: InboundMessage): Promise<{ duplicate: boolean }>;
  hasChannel(channel: string): boolean;
}

export interface SchedulerDeps {
  jobs: JobStore;
  config: Pick<SchedulerConfig, 'missedAfterSeconds' | 'timeZone'>;
  log: Logger;
  clock?: Clock;
  /**
   * Start in standby (a cluster node without the `scheduler` lease): `runNow` still
   * submits, but no timer runs and nothing due is read until {@link Scheduler.lead}.
   */
  standby?: boolean;
}

/** setTimeout's longest delay (about 24.8 days); a later job re-arms on waking. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const BATCH = 100;
/** After a store or bridge error the scheduler tries again this much later. */
const RETRY_MS = 30_000;
/** Receipts are kept this long. */
const RECEIPT_RETENTION_MS = 90 * 86_400_000;

/** The platform message id of a job's run: its inbox dedupe key. */
export const runMessageId = (jobId: number, dueAt: number) => `job:${jobId}:${dueAt}`;

/** The time zone a job's times are shown in. */
export const timeZoneOf = (job: Job, fallback: string) =>
  job.schedule.kind === 'cron' ? job.schedule.timeZone : fallback;

/** The first words of an instruction, for notes and lists. */
export const shortInstruction = (text: string) =>
  text.length > 60 ? `${text.slice(0, 57).trimEnd()}…` : text;

/** The inbound message of one run of `job` (what the inbox stores). */
export function runMessage(
  job: Job,
  dueAt: number,
  kind: 'run' | 'skip',
  text: string,
  note?: string,
): InboundMessage {
  const [ownerChannel, ...rest] = job.owner.split(':');
  const senderId = ownerChannel === job.target.channel ? rest.join(':') : `job:${job.id}`;
  const message: InboundMessage = {
    channel: job.target.channel,
    account: job.target.account,
    conversationId: job.target.conversationId,
    ...(job.target.threadId !== undefined ? { threadId: job.target.threadId } : {}),
    sender: { id: senderId, name: `Scheduled job #${job.id}` },
    chatType: job.target.chatType,
    mentionsBot: true,
    repliesToBot: false,
    text,
    attachments: [],
    platformMessageId: runMessageId(job.id, dueAt),
    timestamp: dueAt,
    job: { id: job.id, dueAt, kind, ...(note ? { note } : {}) },
  };
  if (conversationKey(message) !== job.conversationKey)
    throw new Error(`job ${job.id}: target does not match conversation ${job.conversationKey}`);
  return message;
}

export class Scheduler {
  private readonly clock: Clock;
  private sink: RunSink | undefined;
  private timer: unknown;
  /** When the armed timer fires (undefined: none armed). */
  private armedAt: number | undefined;
  private chain: Promise<void> = Promise.resolve();
  private prunedAt = 0;
  private leading: boolean;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.leading = !deps.standby;
  }

  /**
   * On a cluster, only the node holding the `scheduler` lease reads due jobs and arms
   * the timer: `lead(true)` when it takes the lease (then it wakes), `lead(false)` when
   * it loses it. A job changed on another node is seen at the holder's next renewal.
   */
  lead(leading: boolean): Promise<void> {
    this.leading = leading;
    if (leading) return this.wake();
    this.disarm();
    return Promise.resolve();
  }

  /** When the armed timer fires, for `/status` and tests. */
  get nextWakeAt(): number | undefined {
    return this.armedAt;
  }

  /** Starts running jobs into `sink`: what was due while Parley was down goes first. */
  async start(sink: RunSink): Promise<void> {
    this.sink = sink;
    await this.wake();
  }

  /** Stops the timer; runs already in the inbox stay there for the bridge. */
  stop(): void {
    this.sink = undefined;
    this.disarm();
  }

  /**
   * Re-reads the store: submits what is due and arms the timer for the next job.
   * Called by the timer and after every change to a job. Calls never overlap.
   */
  wake(): Promise<void> {
    const run = this.chain.then(() => this.tick());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Submits a run of `job` now, outside its schedule (its next run is unchanged). */
  async runNow(job: Job, requestedBy: string): Promise<{ dueAt: number }> {
    const sink = this.sink;
    if (!sink) throw new Error('the scheduler is not running');
    if (!sink.hasChannel(job.target.channel))
      throw new Error(`channel ${job.target.channel} is not running`);
    const dueAt = this.clock.now();
    const note = `(run now by ${requestedBy})`;
    await this.deps.jobs.recordRun(job.id, dueAt, { note });
    await sink.submit(runMessage(job, dueAt, 'run', job.instruction, note));
    return { dueAt };
  }

  private async tick(): Promise<void> {
    if (!this.sink || !this.leading) return;
    this.disarm();
    const now = this.clock.now();
    try {
      await this.pruneReceipts(now);
      for (let round = 0; round < 100; round++) {
        const due = await this.deps.jobs.due(now, BATCH);
        for (const job of due) await this.fireOrRecord(job, now);
        if (due.length < BATCH) break;
      }
      const next = await this.deps.jobs.nextDue();
      if (next !== undefined) this.arm(next);
    } catch (error) {
      this.deps.log.error({ err: error }, 'scheduler failed; trying again in 30 s');
      this.arm(now + RETRY_MS);
    }
  }

  /**
   * A run that cannot be submitted (e.g. its stored target no longer forms its
   * conversation's key) is recorded as failed and the job moves on, so one broken job
   * never holds up the others or wakes the scheduler in a loop.
   */
  private async fireOrRecord(job: Job, now: number): Promise<void> {
    try {
      await this.fire(job, now);
    } catch (error) {
      this.deps.log.error({ err: error, job: job.id }, 'scheduled job could not be submitted');
      const dueAt = job.nextRunAt!;
      await this.deps.jobs.recordRun(job.id, dueAt, {
        outcome: 'failed',
        error: (error as Error).message,
        endedAt: now,
      });
      await this.deps.jobs.advance(job.id, dueAt, overdue(job.schedule, dueAt, now).next);
    }
  }

  /** One due job: its run (or the note of a skipped run) into the inbox, then advance it. */
  private async fire(job: Job, now: number): Promise<void> {
    const sink = this.sink!;
    const dueAt = job.nextRunAt!;
    const { count, next } = overdue(job.schedule, dueAt, now);
    const late = now - dueAt > this.deps.config.missedAfterSeconds * 1000;
    if (!sink.hasChannel(job.target.channel)) {
      await this.deps.jobs.recordRun(job.id, dueAt, {
        outcome: 'failed',
        error: `channel ${job.target.channel} is not running`,
        endedAt: now,
      });
      this.deps.log.warn(
        { job: job.id, channel: job.target.channel },
        'scheduled job not run: its channel is not running',
      );
    } else {
      await this.deps.jobs.recordRun(job.id, dueAt, {});
      await sink.submit(this.message(job, dueAt, late, count, next, now));
    }
    await this.deps.jobs.advance(job.id, dueAt, next);
  }

  private message(
    job: Job,
    dueAt: number,
    late: boolean,
    count: number,
    next: number | null,
    now: number,
  ): InboundMessage {
    if (!late) return runMessage(job, dueAt, 'run', job.instruction);
    const zone = timeZoneOf(job, this.deps.config.timeZone);
    const when = formatTime(dueAt, zone, now);
    const more =
      count > 1 ? `; ${count - 1} later run${count > 2 ? 's were' : ' was'} missed too` : '';
    if (job.catchUp === 'run-once') {
      const note = `(this was due at ${when}${more})`;
      return runMessage(job, dueAt, 'run', `${job.instruction}\n\n${note}`, note);
    }
    const note =
      `Skipped scheduled job #${job.id} ("${shortInstruction(job.instruction)}"): it was due at ${when} ` +
      `while I was not running${more}. ` +
      (next === null ? 'It will not run again.' : `Next run: ${formatTime(next, zone, now)}.`);
    return runMessage(job, dueAt, 'skip', note, note);
  }

  private arm(at: number): void {
    this.disarm();
    if (!this.leading) return;
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_DELAY_MS);
    this.armedAt = this.clock.now() + delay;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.armedAt = undefined;
      void this.wake();
    }, delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }

  /** Drops old receipts, at most once an hour (on a wake-up, never on a timer of its own). */
  private async pruneReceipts(now: number): Promise<void> {
    if (now - this.prunedAt < 3_600_000) return;
    this.prunedAt = now;
    await this.deps.jobs.pruneRuns(now - RECEIPT_RETENTION_MS);
  }
}

export { type SchedulerConfig, schedulerSchema } from './config.js';
