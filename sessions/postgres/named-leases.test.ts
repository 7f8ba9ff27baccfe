/**
 * Named leases on a real Postgres schema: one holder at a time, a fence that grows
 * with every new holder, and a late renewal that keeps a lease no one else took.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshSchema, postgres } from '../../test/postgres.js';
import { openPostgresStores, type PostgresStores } from './index.js';

/** The deadlines are the database clock's, so the tests wait on real time. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!postgres.available)(`named leases ${postgres.skipReason}`, () => {
  let stores: PostgresStores | undefined;
  afterEach(async () => {
    await stores?.close();
    stores = undefined;
  });

  async function leases() {
    stores = await openPostgresStores(await freshSchema());
    return stores.leases;
  }

  it('gives a name to one node at a time, with a new fence for each holder', async () => {
    const named = await leases();
    const first = await named.acquire('channel:discord', 'a', 60_000);
    expect(first).toBe(1);
    expect(await named.acquire('channel:discord', 'b', 60_000)).toBeUndefined();
    expect(await named.renew('channel:discord', 'a', first!, 60_000)).toBe(true);
    await named.release('channel:discord', 'a', first!);
    expect(await named.acquire('channel:discord', 'b', 60_000)).toBe(1);
  });

  it('renews a lease past its deadline that no other node took', async () => {
    const named = await leases();
    const fence = await named.acquire('channel:discord', 'a', 50);
    await sleep(120);
    expect(await named.renew('channel:discord', 'a', fence!, 60_000)).toBe(true);
    expect(await named.acquire('channel:discord', 'b', 60_000)).toBeUndefined();
  });

  it('refuses the renewal once another node acquired the expired lease', async () => {
    const named = await leases();
    const fence = await named.acquire('channel:discord', 'a', 50);
    await sleep(120);
    expect(await named.acquire('channel:discord', 'b', 60_000)).toBe(fence! + 1);
    expect(await named.renew('channel:discord', 'a', fence!, 60_000)).toBe(false);
    // the old fence is refused to any node, the new holder included
    expect(await named.renew('channel:discord', 'b', fence!, 60_000)).toBe(false);
  });
});
