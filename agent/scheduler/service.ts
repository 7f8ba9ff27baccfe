/**
 * What people and the agent do with jobs, in one place for every surface (the
 * `schedule` tool, `/jobs`, the admin API, `parley jobs`): create within the
 * per-user limit, list with recent receipts, cancel, pause, resume, run now. Who may
 * change a job: its owner, or one of Parley's owners. Every change wakes the
 * scheduler, which re-reads the store.
 */
import type { CatchUpPolicy, Job, JobRun, JobTarget } from '../../sessions/records.js';
import type { JobStore } from '../../sessions/stores.js';
import type { SchedulerConfig } from './config.js';
import { type Clock, type Scheduler, shortInstruction, systemClock, timeZoneOf } from './index.js';
import {
  describeSchedule,
  firstRun,
  formatTime,
  nextRun,
  parseSchedule,
  type ScheduleInput,
} from './schedule.js';

export interface CreateJob extends ScheduleInput {
  owner: string;
  conversationKey: string;
  target: JobTarget;
  instruction: string;
  timeZone?: string | undefined;
  catchUp?: CatchUpPolicy | undefined;
  maxTokens?: number | undefined;
}

export type JobAction = 'cancel' | 'pause' | 'resume' | 'run';

/** A refusal to show as is (bad input, limit reached, not allowed). */
export class JobError extends Error {
  override readonly name = 'JobError';
}

export interface JobServiceDeps {
  jobs: JobStore;
  config: SchedulerConfig;
  /** Undefined in a command-line process (no timer to wake there). */
  scheduler?: Scheduler | undefined;
  isOwner(principal: string): boolean;
  clock?: Clock;
}

export class JobService {
  private readonly clock: Clock;

  constructor(private readonly deps: JobServiceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get store(): JobStore {
    return this.deps.jobs;
  }

  async create(input: CreateJob): Promise<Job> {
    const { config } = this.deps;
    const timeZone = input.timeZone ?? config.timeZone;
    const now = this.clock.now();
    let schedule: ReturnType<typeof parseSchedule>;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      schedule = parseSchedule(input, now, timeZone);
    } catch (error) {
      throw new JobError((error as Error).message);
    }
    if (!input.instruction.trim()) throw new JobError('the job needs an instruction');
    const result = await this.deps.jobs.create(
      {
        owner: input.owner,
        conversationKey: input.conversationKey,
        target: input.target,
        instruction: input.instruction.trim(),
        schedule,
        catchUp: input.catchUp ?? config.catchUp,
        maxTokens: Math.min(input.maxTokens ?? config.maxTokensPerRun, config.maxTokensPerRun),
        nextRunAt: firstRun(schedule, now),
      },
      config.maxJobsPerUser,
    );
    if ('limit' in result)
      throw new JobError(
        `${input.owner} already has ${result.limit} active or paused jobs (scheduler.maxJobsPerUser is ${config.maxJobsPerUser}); cancel one first`,
      );
    await this.deps.scheduler?.wake();
    return result.job;
  }

  /** Applies `action` to job `id` on behalf of `principal`; returns a sentence for them. */
  async act(id: number, action: JobAction, principal: string): Promise<string> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new JobError(`there is no job #${id}`);
    if (job.owner !== principal && !this.deps.isOwner(principal))
      throw new JobError(`job #${id} belongs to ${job.owner}; only they or an owner can change it`);
    if (action === 'run') {
      if (!this.deps.scheduler) throw new JobError('Parley is not running here');
      if (job.state === 'cancelled') throw new JobError(`job #${id} is cancelled`);
      await this.deps.scheduler.runNow(job, principal);
      return `Job #${id} is running now.`;
    }
    if (job.state === 'cancelled' || job.state === 'done')
      throw new JobError(`job #${id} is already ${job.state}`);
    if (action === 'cancel') await this.deps.jobs.setState(id, 'cancelled', null);
    else if (action === 'pause') await this.deps.jobs.setState(id, 'paused');
    else {
      // A recurring job resumes at its next run from now; a one-shot job keeps its
      // time, so one that passed while paused follows its catch-up policy.
      const next =
        job.schedule.kind === 'once' ? job.schedule.at : nextRun(job.schedule, this.clock.now());
      await this.deps.jobs.setState(id, 'active', next);
    }
    await this.deps.scheduler?.wake();
    const done = { cancel: 'cancelled', pause: 'paused', resume: 'resumed' }[action];
    return `Job #${id} ${done}.`;
  }

  /** Jobs (active and paused first) with their latest receipts. */
  async overview(filter: {
    conversationKey?: string;
    owner?: string;
    limit?: number;
  }): Promise<{ job: Job; runs: JobRun[] }[]> {
    const jobs = await this.deps.jobs.list({ ...filter, limit: filter.limit ?? 50 });
    const order = { active: 0, paused: 1, done: 2, cancelled: 3 };
    jobs.sort((a, b) => order[a.state] - order[b.state] || b.id - a.id);
    return Promise.all(
      jobs.map(async (job) => ({
        job,
        runs: await this.deps.jobs.runs({ jobId: job.id, limit: 3 }),
      })),
    );
  }

  /** One line per job and indented receipts, for chat and the command line. */
  describe(entries: { job: Job; runs: JobRun[] }[]): string[] {
    const now = this.clock.now();
    const lines: string[] = [];
    for (const { job, runs } of entries) {
      const zone = timeZoneOf(job, this.deps.config.timeZone);
      const next =
        job.state === 'active' && job.nextRunAt !== null
          ? `, next ${formatTime(job.nextRunAt, zone, now)}`
          : '';
      lines.push(
        `#${job.id} [${job.state}] ${describeSchedule(job.schedule, zone, now)}${next}: ${shortInstruction(job.instruction)}`,
      );
      for (const run of runs) lines.push(`    ${describeRun(run, zone, now)}`);
    }
    return lines;
  }
}

/** A receipt in one line: "due 09:00 ok, 312 tokens, 2.1 s". */
export function describeRun(run: JobRun, timeZone: string, now = Date.now()): string {
  const parts = [`due ${formatTime(run.dueAt, timeZone, now)}`, run.outcome];
  const tokens = run.promptTokens + run.completionTokens;
  if (tokens > 0) parts.push(`${tokens} tokens`);
  if (run.cost !== null) parts.push(`cost ${run.cost}`);
  if (run.startedAt && run.endedAt)
    parts.push(`${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s`);
  if (run.error) parts.push(run.error);
  if (run.note) parts.push(run.note);
  return parts.join(', ');
}
