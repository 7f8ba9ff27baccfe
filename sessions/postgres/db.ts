/**
 * Parley's Postgres plumbing, shared by every Postgres store (and by stores other
 * features add later): a connection pool, a transaction helper and the migration
 * runner. Each table still has exactly one writer module in this folder.
 *
 * @example
 * ```ts
 * const pool = openPool('postgres://parley@127.0.0.1/parley')
 * await migrate(pool, migrations)              // safe when several nodes start at once
 * const id = await transaction(pool, async (tx) => {
 *   const { rows } = await tx.query('INSERT INTO t (v) VALUES ($1) RETURNING id', [1])
 *   return rows[0].id
 * })
 * ```
 *
 * Timestamps are BIGINT milliseconds like the SQLite schema (parsed to numbers here,
 * not strings); lease deadlines use the database clock (`clock_timestamp()`), so
 * nodes on different machines agree on them whatever their own clocks say.
 */
import pg from 'pg';
import type { Placeholder } from '../rows/sql.js';

/** A pool or a client inside a transaction: anything a store can query on. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Postgres numbers its statement parameters `$1`, `$2`, … (for the builders in `sessions/rows/`). */
export const placeholder: Placeholder = (n) => `$${n}`;

export interface PoolOptions {
  /** Connections this process keeps at most. */
  max?: number;
  /** Shown in `pg_stat_activity` (e.g. the node id). */
  applicationName?: string;
}

const INT8 = 20;
const NUMERIC = 1700;
/** BIGINT and NUMERIC (SUM, COUNT) come back as numbers: our ids and counts fit in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** A pool on `url`. Errors of idle connections are handed to `onError` instead of crashing. */
export function openPool(
  url: string,
  options: PoolOptions = {},
  onError: (error: Error) => void = () => {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    types,
  });
  pool.on('error', onError);
  return pool;
}

/**
 * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK
 * when it throws (the error is rethrown). Nested use is not supported: pass `tx` down.
 */
export async function transaction<T>(
  pool: pg.Pool,
  fn: (tx: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Any constant key: every Parley node serialises its migrations on this advisory lock. */
const MIGRATION_LOCK = 0x7061726c; // "parl"

/**
 * Applies every migration newer than the recorded schema version, all in one
 * transaction under an advisory lock, so nodes starting together migrate once and a
 * failed migration leaves the schema as it was. Returns the schema version.
 */
export async function migrate(pool: pg.Pool, migrations: readonly string[]): Promise<number> {
  return transaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const current = await versionOn(tx);
    if (current > migrations.length)
      throw new Error(
        `The database schema is version ${current}, newer than this Parley (${migrations.length}). Upgrade Parley on this node.`,
      );
    for (const [index, sql] of migrations.entries()) {
      const version = index + 1;
      if (version <= current) continue;
      await tx.query(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
    return migrations.length;
  });
}

/** The schema version recorded in the database (0 before the first migration). */
export async function schemaVersion(db: Queryable): Promise<number> {
  const exists = await db.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`);
  if (!(exists.rows[0] as { found: boolean }).found) return 0;
  return versionOn(db);
}

async function versionOn(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
  return (rows[0] as { v: number }).v;
}

/** The first row of a query, typed by the caller. */
export async function one<T>(
  db: Queryable,
  sql: string,
  values: unknown[] = [],
): Promise<T | undefined> {
  const { rows } = await db.query(sql, values);
  return rows[0] as T | undefined;
}

/** Every row of a query, typed by the caller. */
export async function all<T>(db: Queryable, sql: string, values: unknown[] = []): Promise<T[]> {
  const { rows } = await db.query(sql, values);
  return rows as T[];
}

/** Rows changed by a statement. */
export async function changes(db: Queryable, sql: string, values: unknown[] = []): Promise<number> {
  return (await db.query(sql, values)).rowCount ?? 0;
}
