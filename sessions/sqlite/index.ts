/**
 * Every store of Parley on one SQLite file: the implementation the product uses.
 * One connection (better-sqlite3, WAL) is shared by all stores; each table has
 * exactly one writer module in this folder.
 *
 * @example
 * ```ts
 * const stores = openSqliteStores('./data/parley.db', { lock: true, checkpointer: { log } })
 * await stores.inbox.accept(message, conversationKey(message))
 * await stores.close()
 * ```
 */
import type { Logger } from 'pino';
import type { AuthStateStore } from '../../core/stores.js';
import type { Stores } from '../stores.js';
import { SqliteAccessStore } from './access.js';
import { SqliteApprovalStore } from './approvals.js';
import { SqliteAuthStateStore } from './auth-state.js';
import { startCheckpointer } from './checkpoint.js';
import { type Db, openDatabase } from './db.js';
import { SqliteInbox } from './inbox.js';
import { SqliteJobStore } from './jobs.js';
import { lockDataFolder } from './lock.js';
import { SqliteMemoryStore } from './memory.js';
import { SqliteMetaStore } from './meta.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteUsageStore } from './usage.js';
import { SqliteWebOutbox } from './web-outbox.js';

export { DataFolderLockedError } from './lock.js';

export interface SqliteStoreOptions {
  /**
   * Hold the data set's lock (`<path>.lock`) while open: one serving process per
   * database. `parley start` takes it; short-lived commands (pairing, doctor) do not.
   */
  lock?: boolean;
  /** Run WAL checkpoints on a worker thread instead of inside commits (see checkpoint.ts). */
  checkpointer?: { log: Logger };
}

export interface SqliteStores extends Stores {
  /** The connection, for SQLite-only diagnostics and tests; stores never share it further. */
  readonly db: Db;
}

/** Opens (creating and migrating if needed) every store on the SQLite file at `path`. */
export function openSqliteStores(path: string, options: SqliteStoreOptions = {}): SqliteStores {
  const lock = options.lock && path !== ':memory:' ? lockDataFolder(`${path}.lock`) : undefined;
  let db: Db;
  try {
    db = openDatabase(path, { autoCheckpoint: !options.checkpointer });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const checkpointer = options.checkpointer
    ? startCheckpointer(path, options.checkpointer.log)
    : undefined;
  const authStates = new Map<string, AuthStateStore>();
  return {
    db,
    inbox: new SqliteInbox(db),
    sessions: new SqliteSessionStore(db),
    access: new SqliteAccessStore(db),
    approvals: new SqliteApprovalStore(db),
    usage: new SqliteUsageStore(db),
    jobs: new SqliteJobStore(db),
    memory: new SqliteMemoryStore(db),
    meta: new SqliteMetaStore(db),
    webOutbox: new SqliteWebOutbox(db),
    authState: (namespace) => {
      const known = authStates.get(namespace);
      if (known) return known;
      const store = new SqliteAuthStateStore(db, namespace);
      authStates.set(namespace, store);
      return store;
    },
    get open() {
      return db.open;
    },
    close: async () => {
      await checkpointer?.stop();
      if (db.open) db.close();
      lock?.release();
    },
  };
}
