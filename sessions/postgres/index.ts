/**
 * Every store of Parley on one Postgres database: the engine for several nodes.
 * One pool per process is shared by all stores; each table has exactly one writer
 * module in this folder, like `sessions/sqlite/`. Unlike SQLite there is no
 * one-process lock: any number of nodes open the same database, and share the inbox
 * through {@link PostgresStores.work} (leases.ts).
 *
 * @example
 * ```ts
 * const stores = await openPostgresStores(process.env.PARLEY_DATABASE_URL!, { nodeId: 'a' })
 * await stores.inbox.accept(message, conversationKey(message))
 * await stores.close()
 * ```
 *
 * Stores added later follow the same shape: a class taking the pool, its row mapping
 * shared with SQLite in `sessions/rows/`, its tables in a new entry at the end of
 * migrations.ts, writes that must be atomic through `transaction` (db.ts), and its
 * suite run by `sessions/postgres/stores.test.ts`.
 */
import type pg from 'pg';
import type { AuthStateStore } from '../../core/stores.js';
import type { MessageBus, NamedLeases, Stores, WorkQueue } from '../stores.js';
import { PostgresAccessStore } from './access.js';
import { PostgresApprovalStore } from './approvals.js';
import { loadAuthStates, PostgresAuthStateStore } from './auth-state.js';
import { PostgresBus } from './bus.js';
import { migrate, openPool, type PoolOptions, schemaVersion } from './db.js';
import { PostgresInbox } from './inbox.js';
import { PostgresJobStore } from './jobs.js';
import { PostgresWorkQueue } from './leases.js';
import { PostgresMemoryStore } from './memory.js';
import { PostgresMetaStore } from './meta.js';
import { migrations } from './migrations.js';
import { PostgresNamedLeases } from './named-leases.js';
import { PostgresSessionStore } from './sessions.js';
import { PostgresUsageStore } from './usage.js';
import { PostgresWebOutbox } from './web-outbox.js';

export { migrations } from './migrations.js';
export { schemaVersion };

/** Connects once (no migration) and reads the schema version, for `parley doctor`. */
export async function postgresSchema(url: string): Promise<{ version: number; latest: number }> {
  const pool = openPool(url, { max: 1 });
  try {
    return { version: await schemaVersion(pool), latest: migrations.length };
  } finally {
    await pool.end();
  }
}

export interface PostgresStoreOptions extends PoolOptions {
  /** Logs pool and background-write errors (they never crash the process). */
  onError?: (error: unknown, message: string) => void;
}

export interface PostgresStores extends Stores {
  /** The pool, for Postgres-only diagnostics, node registry and tests. */
  readonly pool: pg.Pool;
  /** The shared inbox as work for this node (see `WorkQueue`). */
  work(options: { nodeId: string; leaseMs: number }): WorkQueue;
  /** Notifications between nodes (web chat replies for a socket on another node). */
  readonly bus: MessageBus;
  /** Channel connection leases and the node registry. */
  readonly leases: NamedLeases;
  /** Reads every opened auth-state namespace again (before taking a channel connection over). */
  reloadAuthStates(): Promise<void>;
}

/** Opens a pool on `url`, migrates the schema (once across racing nodes) and loads auth state. */
export async function openPostgresStores(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStores> {
  const onError = options.onError ?? (() => {});
  const pool = openPool(url, options, (error) => onError(error, 'postgres connection failed'));
  let auth: Map<string, [string, string][]>;
  try {
    await migrate(pool, migrations);
    auth = await loadAuthStates(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const authStates = new Map<string, PostgresAuthStateStore>();
  const inbox = new PostgresInbox(pool);
  const bus = new PostgresBus(url, onError);
  let open = true;
  return {
    pool,
    inbox,
    sessions: new PostgresSessionStore(pool),
    access: new PostgresAccessStore(pool),
    approvals: new PostgresApprovalStore(pool),
    usage: new PostgresUsageStore(pool),
    jobs: new PostgresJobStore(pool),
    memory: new PostgresMemoryStore(pool),
    meta: new PostgresMetaStore(pool),
    webOutbox: new PostgresWebOutbox(pool),
    leases: new PostgresNamedLeases(pool),
    bus,
    authState: (namespace): AuthStateStore => {
      let store = authStates.get(namespace);
      if (!store) {
        const report = (error: unknown) => onError(error, `auth state ${namespace} not stored`);
        store = new PostgresAuthStateStore(pool, namespace, auth.get(namespace), report);
        authStates.set(namespace, store);
      }
      return store;
    },
    reloadAuthStates: async () => {
      await Promise.all([...authStates.values()].map((store) => store.reload()));
    },
    work: ({ nodeId, leaseMs }) =>
      new PostgresWorkQueue(pool, inbox, url, {
        nodeId,
        leaseMs,
        log: (error, message) => onError(error, message),
      }),
    get open() {
      return open;
    },
    close: async () => {
      if (!open) return;
      open = false;
      await Promise.allSettled([...authStates.values()].map((store) => store.flush()));
      await bus.close();
      await pool.end();
    },
  };
}
