/**
 * Opens Parley's stores on one SQLite file: the only place the composition root
 * touches the storage engine, so another implementation is swapped in here.
 *
 *   parley.db ─► sessions, access, approvals, meta, web outbox, auth state (per namespace)
 */
import { join } from 'node:path';
import type { AuthStateStore as ChannelAuthState } from '../core/stores.js';
import { AccessStore } from '../sessions/access-store.js';
import { ApprovalStore } from '../sessions/approval-store.js';
import { AuthStateStore } from '../sessions/auth-state.js';
import { type Db, MetaStore, openDatabase } from '../sessions/db.js';
import { SessionStore } from '../sessions/store.js';
import { WebOutbox } from '../sessions/web-outbox.js';

export interface Stores {
  /** The database file (for the checkpointer). */
  path: string;
  /** The connection itself, for what still writes SQL directly (the bridge's inbox). */
  db: Db;
  sessions: SessionStore;
  access: AccessStore;
  approvals: ApprovalStore;
  meta: MetaStore;
  webOutbox: WebOutbox;
  authState(namespace: string): ChannelAuthState;
  close(): void;
}

export function openStores(dataDir: string, options: { autoCheckpoint?: boolean } = {}): Stores {
  const path = join(dataDir, 'parley.db');
  const db = openDatabase(path, options);
  return {
    path,
    db,
    sessions: new SessionStore(db),
    access: new AccessStore(db),
    approvals: new ApprovalStore(db),
    meta: new MetaStore(db),
    webOutbox: new WebOutbox(db),
    authState: (namespace) => new AuthStateStore(db, namespace),
    close: () => db.close(),
  };
}
