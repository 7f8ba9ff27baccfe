/**
 * The Postgres {@link JobStore}: the only writer of `jobs` and `job_runs`, with the
 * same queries as `sessions/sqlite/jobs.ts` (one indexed query per scheduler wake-up).
 * The per-owner limit is counted under a transaction-scoped advisory lock on the
 * owner, so two nodes creating jobs for one owner at once cannot both pass it.
 *
 * Rows map to records (and back) in `sessions/rows/jobs.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
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
import { all, changes, one, placeholder, transaction } from './db.js';

const INSERT_JOB = `${insertSql('jobs', jobColumns, placeholder)} RETURNING id`;

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
      const row = await one<{ id: number }>(tx, INSERT_JOB, jobColumns.values({ ...job, now }));
      return { job: newJob(job, row!.id, now) };
    });
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await one<JobRow>(this.pool, 'SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? toJob(row) : undefined;
  }

  async list(filter: JobFilter): Promise<Job[]> {
    const { sql, params } = jobListQuery(filter, placeholder);
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
    const { sql, params } = runUpsertQuery(jobId, dueAt, patch, Date.now(), placeholder);
    await this.pool.query(sql, params);
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
