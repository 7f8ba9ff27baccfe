/**
 * The Postgres {@link JobStore}: the only writer of `jobs` and `job_runs`, with the
 * same queries as `sessions/sqlite/jobs.ts` (one indexed query per scheduler wake-up).
 * The per-owner limit is counted under a transaction-scoped advisory lock on the
 * owner, so two nodes creating jobs for one owner at once cannot both pass it.
 */
import type pg from 'pg';
import type {
  Job,
  JobRun,
  JobRunOutcome,
  JobRunPatch,
  JobSchedule,
  JobState,
  JobTarget,
  NewJob,
} from '../records.js';
import type { JobStore } from '../stores.js';
import { all, changes, one, transaction } from './db.js';

interface JobRow {
  id: number;
  owner: string;
  conversation_key: string;
  target: string;
  instruction: string;
  schedule: string;
  catch_up: Job['catchUp'];
  max_tokens: number;
  state: JobState;
  next_run_at: number | null;
  created_at: number;
  updated_at: number;
}

interface RunRow {
  job_id: number;
  due_at: number;
  outcome: JobRunOutcome;
  note: string | null;
  started_at: number | null;
  ended_at: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number | null;
  error: string | null;
  created_at: number;
}

const toJob = (row: JobRow): Job => ({
  id: row.id,
  owner: row.owner,
  conversationKey: row.conversation_key,
  target: JSON.parse(row.target) as JobTarget,
  instruction: row.instruction,
  schedule: JSON.parse(row.schedule) as JobSchedule,
  catchUp: row.catch_up,
  maxTokens: row.max_tokens,
  state: row.state,
  nextRunAt: row.next_run_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toRun = (row: RunRow): JobRun => ({
  jobId: row.job_id,
  dueAt: row.due_at,
  outcome: row.outcome,
  note: row.note ?? undefined,
  startedAt: row.started_at ?? undefined,
  endedAt: row.ended_at ?? undefined,
  promptTokens: row.prompt_tokens,
  completionTokens: row.completion_tokens,
  cost: row.cost,
  error: row.error ?? undefined,
  createdAt: row.created_at,
});

/** Receipt fields and their columns; a patch sets only the fields it names. */
const RUN_COLUMNS: Record<keyof JobRunPatch, string> = {
  outcome: 'outcome',
  note: 'note',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  cost: 'cost',
  error: 'error',
};

export class PostgresJobStore implements JobStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(job: NewJob, maxPerOwner: number): Promise<{ job: Job } | { limit: number }> {
    return transaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jobs:${job.owner}`]);
      const { n } = (await one<{ n: number }>(
        tx,
        `SELECT COUNT(*) AS n FROM jobs WHERE owner = $1 AND state IN ('active', 'paused')`,
        [job.owner],
      ))!;
      if (n >= maxPerOwner) return { limit: n };
      const now = Date.now();
      const row = await one<{ id: number }>(
        tx,
        `INSERT INTO jobs (owner, conversation_key, target, instruction, schedule, catch_up, max_tokens, next_run_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          job.owner,
          job.conversationKey,
          JSON.stringify(job.target),
          job.instruction,
          JSON.stringify(job.schedule),
          job.catchUp,
          job.maxTokens,
          job.nextRunAt,
          now,
          now,
        ],
      );
      return {
        job: { ...job, id: row!.id, state: 'active' as const, createdAt: now, updatedAt: now },
      };
    });
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await one<JobRow>(this.pool, 'SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? toJob(row) : undefined;
  }

  async list(filter: {
    owner?: string;
    conversationKey?: string;
    states?: JobState[];
    limit: number;
  }): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.owner !== undefined) {
      params.push(filter.owner);
      where.push(`owner = $${params.length}`);
    }
    if (filter.conversationKey !== undefined) {
      params.push(filter.conversationKey);
      where.push(`conversation_key = $${params.length}`);
    }
    if (filter.states?.length) {
      params.push(filter.states);
      where.push(`state = ANY($${params.length})`);
    }
    params.push(filter.limit);
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $${params.length}`;
    return (await all<JobRow>(this.pool, sql, params)).map(toJob);
  }

  async setState(id: number, state: JobState, nextRunAt?: number | null): Promise<boolean> {
    const now = Date.now();
    if (nextRunAt === undefined)
      return (
        (await changes(this.pool, 'UPDATE jobs SET state = $1, updated_at = $2 WHERE id = $3', [
          state,
          now,
          id,
        ])) > 0
      );
    return (
      (await changes(
        this.pool,
        'UPDATE jobs SET state = $1, next_run_at = $2, updated_at = $3 WHERE id = $4',
        [state, nextRunAt, now, id],
      )) > 0
    );
  }

  async nextDue(): Promise<number | undefined> {
    const row = await one<{ at: number | null }>(
      this.pool,
      `SELECT MIN(next_run_at) AS at FROM jobs WHERE state = 'active' AND next_run_at IS NOT NULL`,
    );
    return row?.at ?? undefined;
  }

  async due(now: number, limit: number): Promise<Job[]> {
    const rows = await all<JobRow>(
      this.pool,
      `SELECT * FROM jobs WHERE state = 'active' AND next_run_at IS NOT NULL AND next_run_at <= $1
       ORDER BY next_run_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toJob);
  }

  async advance(id: number, dueAt: number, nextRunAt: number | null): Promise<boolean> {
    return (
      (await changes(
        this.pool,
        `UPDATE jobs SET next_run_at = $1, state = $2, updated_at = $3
         WHERE id = $4 AND state = 'active' AND next_run_at = $5`,
        [nextRunAt, nextRunAt === null ? 'done' : 'active', Date.now(), id, dueAt],
      )) > 0
    );
  }

  async recordRun(jobId: number, dueAt: number, patch: JobRunPatch): Promise<void> {
    const fields = (Object.keys(patch) as (keyof JobRunPatch)[]).filter(
      (key) => patch[key] !== undefined,
    );
    const columns = fields.map((key) => RUN_COLUMNS[key]);
    const insertColumns = ['job_id', 'due_at', 'created_at', ...columns];
    const values: unknown[] = [jobId, dueAt, Date.now(), ...fields.map((key) => patch[key])];
    if (!columns.includes('outcome')) {
      insertColumns.push('outcome');
      values.push('queued');
    }
    const update = columns.length
      ? `DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`
      : 'DO NOTHING';
    await this.pool.query(
      `INSERT INTO job_runs (${insertColumns.join(', ')})
       VALUES (${insertColumns.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (job_id, due_at) ${update}`,
      values,
    );
  }

  async getRun(jobId: number, dueAt: number): Promise<JobRun | undefined> {
    const row = await one<RunRow>(
      this.pool,
      'SELECT * FROM job_runs WHERE job_id = $1 AND due_at = $2',
      [jobId, dueAt],
    );
    return row ? toRun(row) : undefined;
  }

  async runs(filter: { jobId?: number; limit: number }): Promise<JobRun[]> {
    const rows =
      filter.jobId === undefined
        ? await all<RunRow>(this.pool, 'SELECT * FROM job_runs ORDER BY due_at DESC LIMIT $1', [
            filter.limit,
          ])
        : await all<RunRow>(
            this.pool,
            'SELECT * FROM job_runs WHERE job_id = $1 ORDER BY due_at DESC LIMIT $2',
            [filter.jobId, filter.limit],
          );
    return rows.map(toRun);
  }

  async purgeOwner(owner: string): Promise<number> {
    return changes(this.pool, 'DELETE FROM jobs WHERE owner = $1', [owner]);
  }

  async pruneRuns(before: number): Promise<number> {
    return changes(this.pool, 'DELETE FROM job_runs WHERE due_at < $1', [before]);
  }
}
