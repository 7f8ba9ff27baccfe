/**
 * Postgres for tests: `.ci/postgres.sh` starts a throwaway cluster and exports
 * `PARLEY_TEST_POSTGRES_URL`. Each data set is a fresh schema in that database
 * (selected through the URL's `options=-c search_path=…`), so tests never see each
 * other's rows and need no cleanup. Without the variable, Postgres suites skip with a
 * reason, except under `CI=true`, where {@link postgresUrl} throws instead.
 *
 * @example
 * ```ts
 * describe.skipIf(!postgres.available)(`… ${postgres.skipReason}`, () => {
 *   it('…', async () => { const url = await freshSchema() })
 * })
 * ```
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const url = process.env.PARLEY_TEST_POSTGRES_URL;

if (!url && process.env.CI === 'true')
  throw new Error(
    'PARLEY_TEST_POSTGRES_URL is not set under CI=true: start Postgres with `eval "$(bash .ci/postgres.sh start)"` (.ci/run does).',
  );

export const postgres = {
  available: Boolean(url),
  /** Appended to a skipped suite's name. */
  skipReason: url ? '' : '(skipped: PARLEY_TEST_POSTGRES_URL is not set; see .ci/postgres.sh)',
};

/** A URL whose connections use a new, empty schema of the test database. */
export async function freshSchema(): Promise<string> {
  if (!url) throw new Error('PARLEY_TEST_POSTGRES_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}
