/**
 * `queue.inboxRetentionDays` reaches the bridge: at start, finished inbox rows older
 * than the retention are pruned and younger ones stay (they still deduplicate).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { inbound } from '../test/contract/stores.js';
import { startParley, tempDir, testConfig } from '../test/harness.js';

const DAY = 86_400_000;

it('prunes finished inbox rows past queue.inboxRetentionDays at start, keeping younger ones', async () => {
  const dataDir = tempDir();
  const path = join(dataDir, 'parley.db');
  const stores = openSqliteStores(path);
  for (const id of ['two-days', 'four-days']) {
    const { entry } = await stores.inbox.accept(inbound(id), 'test:a:c');
    await stores.inbox.complete(entry.id);
  }
  await stores.close();
  const db = new Database(path);
  const age = db.prepare('UPDATE inbox SET updated_at = ? WHERE platform_message_id = ?');
  age.run(Date.now() - 2 * DAY, 'two-days');
  age.run(Date.now() - 4 * DAY, 'four-days');
  db.close();

  const parley = await startParley(testConfig({ dataDir, queue: { inboxRetentionDays: 3 } }));
  try {
    expect(await parley.app.bridge.inbox.counts()).toMatchObject({ done: 1 });
    const kept = await parley.app.bridge.inbox.accept(inbound('two-days'), 'test:a:c');
    expect(kept.duplicate).toBe(true);
  } finally {
    await parley.close();
  }
});
