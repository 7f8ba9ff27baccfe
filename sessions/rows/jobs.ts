/**
 * The rows of `jobs` and `job_runs` as both engines store them, mapped to and from
 * {@link Job} and {@link JobRun} once, and the two statements whose shape depends on
 * the call (the list filter, the receipt upsert). Targets and schedules are JSON text;
 * times are milliseconds, which both drivers hand back as numbers.
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
import { Conditions, columns, type Placeholder, placeholders, type Query } from './sql.js';

export interface JobRow {
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

export interface RunRow {
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

export const toJob = (row: JobRow): Job => ({
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

export const toRun = (row: RunRow): JobRun => ({
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

/** A job as created: active, written at `now`. */
export const newJob = (job: NewJob, id: number, now: number): Job => ({
  ...job,
  id,
  state: 'active',
  createdAt: now,
  updatedAt: now,
});

/** The columns `create` writes (state takes its default, `active`). */
export const jobColumns = columns<NewJob & { now: number }>({
  owner: (job) => job.owner,
  conversation_key: (job) => job.conversationKey,
  target: (job) => JSON.stringify(job.target),
  instruction: (job) => job.instruction,
  schedule: (job) => JSON.stringify(job.schedule),
  catch_up: (job) => job.catchUp,
  max_tokens: (job) => job.maxTokens,
  next_run_at: (job) => job.nextRunAt,
  created_at: (job) => job.now,
  updated_at: (job) => job.now,
});

/** Which jobs `JobStore.list` returns. */
export interface JobFilter {
  owner?: string;
  conversationKey?: string;
  states?: JobState[];
  limit: number;
}

/** The newest jobs matching every part of `filter` that is given. */
export function jobListQuery(filter: JobFilter, placeholder: Placeholder): Query {
  const where = new Conditions(placeholder);
  if (filter.owner !== undefined) where.add('owner = ?', filter.owner);
  if (filter.conversationKey !== undefined)
    where.add('conversation_key = ?', filter.conversationKey);
  if (filter.states?.length) where.add('state IN (?)', ...filter.states);
  const sql = `SELECT * FROM jobs ${where.sql()} ORDER BY id DESC LIMIT ${where.param(filter.limit)}`;
  return { sql, params: where.params };
}

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

/**
 * Creates the receipt of (job, due time) or updates the fields `patch` names; a new
 * receipt without an outcome is `queued`.
 */
export function runUpsertQuery(
  jobId: number,
  dueAt: number,
  patch: JobRunPatch,
  now: number,
  placeholder: Placeholder,
): Query {
  const fields = (Object.keys(patch) as (keyof JobRunPatch)[]).filter(
    (key) => patch[key] !== undefined,
  );
  const set = fields.map((key) => RUN_COLUMNS[key]);
  const names = ['job_id', 'due_at', 'created_at', ...set];
  const params: unknown[] = [jobId, dueAt, now, ...fields.map((key) => patch[key])];
  if (!set.includes('outcome')) {
    names.push('outcome');
    params.push('queued');
  }
  const update = set.length
    ? `DO UPDATE SET ${set.map((c) => `${c} = excluded.${c}`).join(', ')}`
    : 'DO NOTHING';
  const sql = `INSERT INTO job_runs (${names.join(', ')})
    VALUES (${placeholders(placeholder, names.length)})
    ON CONFLICT (job_id, due_at) ${update}`;
  return { sql, params };
}
