import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inbound, storeContract } from '../../test/contract/stores.js';
import { tempDir } from '../../test/harness.js';
import { DataFolderLockedError, openSqliteStores } from './index.js';
import { migrations } from './migrations.js';

storeContract('sqlite', {
  open: async () => {
    const path = join(tempDir(), 'parley.db');
    const handle = {
      stores: openSqliteStores(path),
      reopen: async () => {
        await handle.stores.close();
        handle.stores = openSqliteStores(path);
        return handle.stores;
      },
    };
    return handle;
  },
});

describe('SQLite stores', () => {
  it('open in WAL mode with migrations applied and a 2 MB page cache', async () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    expect(stores.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(stores.db.pragma('cache_size', { simple: true })).toBe(-2000);
    expect(stores.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    await stores.close();
    expect(stores.open).toBe(false);
  });

  it('lock the data set: a second serving process is refused until the first closes', async () => {
    const path = join(tempDir(), 'parley.db');
    const first = openSqliteStores(path, { lock: true });
    expect(() => openSqliteStores(path, { lock: true })).toThrow(DataFolderLockedError);
    expect(() => openSqliteStores(path, { lock: true })).toThrow(/Another Parley process/);
    // Short-lived commands (pairing approve, doctor) still open it beside the server.
    const command = openSqliteStores(path);
    await command.access.allow('telegram', '1');
    await command.close();
    await first.close();
    const second = openSqliteStores(path, { lock: true });
    expect(await second.access.isAllowed('telegram', '1')).toBe(true);
    await second.close();
  });

  it('store the sender of each inbox row for purge and export', async () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    await stores.inbox.accept(inbound('1', { sender: { id: 'u7' } }), 'k');
    expect(stores.db.prepare('SELECT sender_id FROM inbox').all()).toEqual([{ sender_id: 'u7' }]);
    await stores.close();
  });

  it('keep the memory index in step: forget, clear and purge leave no postings behind', async () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const alice = { channel: 'test', userId: 'alice' };
    const one = await stores.memory.add(alice, 'tea');
    await stores.memory.add(alice, 'tea');
    await stores.memory.add({ ...alice, group: 'g' }, 'tea');
    const terms = stores.db.prepare('SELECT count(*) AS n FROM memories_fts').get() as {
      n: number;
    };
    expect(terms.n).toBe(3);
    await stores.memory.forget(alice, one.id);
    await stores.memory.clear(alice);
    await stores.memory.purgeUser('test', 'alice');
    expect(
      (stores.db.prepare('SELECT count(*) AS n FROM memories_fts').get() as { n: number }).n,
    ).toBe(0);
    await stores.close();
  });
});
