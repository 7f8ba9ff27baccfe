/**
 * Opens Parley's SQLite file (better-sqlite3, WAL) and brings its schema up to date.
 * Every SQLite store shares this one connection; each table has exactly one
 * writer module in this folder (inbox → inbox.ts, sessions → sessions.ts, ...).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Placeholder } from '../rows/sql.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** SQLite's statement parameters are all `?` (for the shared builders in `sessions/rows/`). */
export const placeholder: Placeholder = () => '?';

/** Page cache of the connection, in KiB as SQLite counts a negative `cache_size`. */
const PAGE_CACHE_KIB = -2000;

/**
 * Opens (creating if needed) the database at `path`, or in memory for `:memory:`.
 * `autoCheckpoint: false` leaves WAL checkpoints to the checkpointer worker
 * (`startCheckpointer` in checkpoint.ts), so no commit on this connection waits for one.
 */
export function openDatabase(path: string, options: { autoCheckpoint?: boolean } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (options.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // SQLite's own default page cache (2 MB). better-sqlite3 builds with 16 MB, which a
  // busy Parley fills and never gives back: after 10,000 web messages the cache held
  // ~13 MB more of the process's memory, at no measured gain in CPU (core bench).
  db.pragma(`cache_size = ${PAGE_CACHE_KIB}`);
  migrate(db);
  return db;
}

/** Applies every migration newer than `PRAGMA user_version`, each in a transaction. */
export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const [index, sql] of migrations.entries()) {
    const version = index + 1;
    if (version <= current) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement for `sql`, compiled once per connection and reused. */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
