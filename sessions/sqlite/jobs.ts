/**
 * The SQLite {@link JobStore}: the only writer of `jobs` and `job_runs`. The
 * scheduler's questions ("when is the next run?", "what is due now?") are single
 * queries on the partial index `jobs_due`, so waiting jobs cost no memory here.
 *
 * Rows map to records (and back) in `sessions/rows/jobs.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
import type { Job, JobRun, JobRunPatch, JobState, NewJob } from '../records.js';
import {
  type JobFilter,
  type JobRow,
  jobColumns,
  jobListQuery,
  newJob,
  type RunRow,
  runUpsertQuery,
  toJob,
  toRun,
} from '../rows/jobs.js';
import { insertSql } from '../rows/sql.js';
import type { JobStore } from '../stores.js';
import { type Db, placeholder, prepared } from './db.js';

const INSERT_JOB = insertSql('jobs', jobColumns, placeholder);

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
      const result = prepared(this.db, INSERT_JOB).run(...jobColumns.values({ ...job, now }));
      return { job: newJob(job, Number(result.lastInsertRowid), now) };
    })();
  }

  async get(id: number): Promise<Job | undefined> {
    const row = prepared(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  async list(filter: JobFilter): Promise<Job[]> {
    const { sql, params } = jobListQuery(filter, placeholder);
    return (prepared(this.db, sql).all(...params) as JobRow[]).map(toJob);
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
    const { sql, params } = runUpsertQuery(jobId, dueAt, patch, Date.now(), placeholder);
    prepared(this.db, sql).run(...params);
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
