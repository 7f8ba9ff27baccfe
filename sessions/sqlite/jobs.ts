/**
 * The SQLite {@link JobStore}: the only writer of `jobs` and `job_runs`. The
 * scheduler's questions ("when is the next run?", "what is due now?") are single
 * queries on the partial index `jobs_due`, so waiting jobs cost no memory here.
 */
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
import { type Db, prepared } from './db.js';

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

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: Db) {}

  async create(job: NewJob, maxPerOwner: number): Promise<{ job: Job } | { limit: number }> {
    return this.db.transaction(() => {
      const { n } = prepared(
        this.db,
        `SELECT COUNT(*) AS n FROM jobs WHERE owner = ? AND state IN ('active', 'paused')`,
      ).get(job.owner) as { n: number };
      if (n >= maxPerOwner) return { limit: n };
      const now = Date.now();
      const result = prepared(
        this.db,
        `INSERT INTO jobs (owner, conversation_key, target, instruction, schedule, catch_up, max_tokens, next_run_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
      );
      const id = Number(result.lastInsertRowid);
      return { job: { ...job, id, state: 'active' as const, createdAt: now, updatedAt: now } };
    })();
  }

  async get(id: number): Promise<Job | undefined> {
    const row = prepared(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  async list(filter: {
    owner?: string;
    conversationKey?: string;
    states?: JobState[];
    limit: number;
  }): Promise<Job[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.owner !== undefined) {
      where.push('owner = ?');
      params.push(filter.owner);
    }
    if (filter.conversationKey !== undefined) {
      where.push('conversation_key = ?');
      params.push(filter.conversationKey);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (prepared(this.db, sql).all(...params, filter.limit) as JobRow[]).map(toJob);
  }

  async setState(id: number, state: JobState, nextRunAt?: number | null): Promise<boolean> {
    const now = Date.now();
    if (nextRunAt === undefined)
      return (
        prepared(this.db, 'UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?').run(
          state,
          now,
          id,
        ).changes > 0
      );
    return (
      prepared(
        this.db,
        'UPDATE jobs SET state = ?, next_run_at = ?, updated_at = ? WHERE id = ?',
      ).run(state, nextRunAt, now, id).changes > 0
    );
  }

  async nextDue(): Promise<number | undefined> {
    const row = prepared(
      this.db,
      `SELECT MIN(next_run_at) AS at FROM jobs WHERE state = 'active' AND next_run_at IS NOT NULL`,
    ).get() as { at: number | null };
    return row.at ?? undefined;
  }

  async due(now: number, limit: number): Promise<Job[]> {
    return (
      prepared(
        this.db,
        `SELECT * FROM jobs WHERE state = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ?
         ORDER BY next_run_at, id LIMIT ?`,
      ).all(now, limit) as JobRow[]
    ).map(toJob);
  }

  async advance(id: number, dueAt: number, nextRunAt: number | null): Promise<boolean> {
    return (
      prepared(
        this.db,
        `UPDATE jobs SET next_run_at = ?, state = ?, updated_at = ?
         WHERE id = ? AND state = 'active' AND next_run_at = ?`,
      ).run(nextRunAt, nextRunAt === null ? 'done' : 'active', Date.now(), id, dueAt).changes > 0
    );
  }

  async recordRun(jobId: number, dueAt: number, patch: JobRunPatch): Promise<void> {
    const fields = (Object.keys(patch) as (keyof JobRunPatch)[]).filter(
      (key) => patch[key] !== undefined,
    );
    const values = fields.map((key) => patch[key] as string | number | null);
    const columns = fields.map((key) => RUN_COLUMNS[key]);
    const insertColumns = ['job_id', 'due_at', 'created_at', ...columns];
    if (!columns.includes('outcome')) insertColumns.push('outcome');
    const insertValues = [jobId, dueAt, Date.now(), ...values];
    if (!columns.includes('outcome')) insertValues.push('queued');
    const update = columns.length
      ? `DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`
      : 'DO NOTHING';
    prepared(
      this.db,
      `INSERT INTO job_runs (${insertColumns.join(', ')}) VALUES (${insertColumns.map(() => '?').join(', ')})
       ON CONFLICT (job_id, due_at) ${update}`,
    ).run(...insertValues);
  }

  async getRun(jobId: number, dueAt: number): Promise<JobRun | undefined> {
    const row = prepared(this.db, 'SELECT * FROM job_runs WHERE job_id = ? AND due_at = ?').get(
      jobId,
      dueAt,
    ) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  async runs(filter: { jobId?: number; limit: number }): Promise<JobRun[]> {
    const rows =
      filter.jobId === undefined
        ? prepared(this.db, 'SELECT * FROM job_runs ORDER BY due_at DESC LIMIT ?').all(filter.limit)
        : prepared(
            this.db,
            'SELECT * FROM job_runs WHERE job_id = ? ORDER BY due_at DESC LIMIT ?',
          ).all(filter.jobId, filter.limit);
    return (rows as RunRow[]).map(toRun);
  }

  async purgeOwner(owner: string): Promise<number> {
    return prepared(this.db, 'DELETE FROM jobs WHERE owner = ?').run(owner).changes;
  }

  async pruneRuns(before: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM job_runs WHERE due_at < ?').run(before).changes;
  }
}
