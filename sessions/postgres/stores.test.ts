import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { storeContract } from '../../test/contract/stores.js';
import { freshSchema, postgres } from '../../test/postgres.js';
import { migrate, schemaVersion } from './db.js';
import { migrations, openPostgresStores } from './index.js';

describe.skipIf(!postgres.available)(`Postgres stores ${postgres.skipReason}`, () => {
  storeContract('postgres', {
    open: async () => {
      const url = await freshSchema();
      const handle = {
        stores: await openPostgresStores(url),
        reopen: async () => {
          await handle.stores.close();
          handle.stores = await openPostgresStores(url);
          return handle.stores;
        },
      };
      return handle;
    },
  });

  it('migrate once when several nodes open the same database at the same moment', async () => {
    const url = await freshSchema();
    const nodes = await Promise.all([1, 2, 3, 4].map(() => openPostgresStores(url)));
    expect(await schemaVersion(nodes[0]!.pool)).toBe(migrations.length);
    const { rows } = await nodes[0]!.pool.query('SELECT version FROM schema_migrations');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((_, i) => i + 1));
    // Two nodes share one data set: no lock file, what one writes the other reads.
    await nodes[1]!.access.allow('telegram', '7');
    expect(await nodes[2]!.access.isAllowed('telegram', '7')).toBe(true);
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('refuse a schema newer than this build, and roll a failed migration back whole', async () => {
    const url = await freshSchema();
    const pool = new pg.Pool({ connectionString: url });
    await migrate(pool, ['CREATE TABLE a (x INT)']);
    await expect(migrate(pool, [])).rejects.toThrow(/newer than this Parley/);
    await expect(
      migrate(pool, ['CREATE TABLE a (x INT)', 'CREATE TABLE b (x INT); SELECT nope']),
    ).rejects.toThrow();
    expect(await schemaVersion(pool)).toBe(1);
    const { rows } = await pool.query(`SELECT to_regclass('b') AS b`);
    expect(rows[0].b).toBeNull();
    await pool.end();
  });

  it('keep auth state written through the cache after a restart, and reload another node’s writes', async () => {
    const url = await freshSchema();
    const first = await openPostgresStores(url);
    const wa = first.authState('whatsapp:default');
    for (let i = 0; i < 50; i++) wa.write([[`key:${i}`, `v${i}`]]);
    wa.write([['key:3', null]]);
    await first.close();
    const second = await openPostgresStores(url);
    const again = second.authState('whatsapp:default');
    expect([again.size(), again.get('key:49'), again.get('key:3')]).toEqual([49, 'v49', undefined]);
    const third = await openPostgresStores(url);
    third.authState('whatsapp:default').write([['creds', '{"me":2}']]);
    await third.authState('whatsapp:default').flush!();
    expect(again.get('creds')).toBeUndefined();
    await again.reload!();
    expect(again.get('creds')).toBe('{"me":2}');
    await Promise.all([second.close(), third.close()]);
  });

  it('report a failed auth-state write on flush instead of losing it silently', async () => {
    const url = await freshSchema();
    const errors: unknown[] = [];
    const stores = await openPostgresStores(url, { onError: (error) => errors.push(error) });
    await stores.pool.query(
      'ALTER TABLE auth_state ADD CONSTRAINT short CHECK (length(value) < 5)',
    );
    const wa = stores.authState('whatsapp:default');
    wa.write([['creds', 'much too long']]);
    await expect(wa.flush!()).rejects.toThrow(/short/);
    expect(errors).toHaveLength(1);
    await stores.close();
  });
});
