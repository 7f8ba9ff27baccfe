/**
 * One process per SQLite data set: a lock file next to the database, held with
 * SQLite's own exclusive locking (an OS file lock). The operating system drops the
 * lock when the process ends, also after SIGKILL, so a crash never leaves a stale
 * lock behind; a second process gets a clear error instead of answering twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export class DataFolderLockedError extends Error {
  constructor(readonly lockPath: string) {
    super(
      `Another Parley process is using this data folder (lock ${lockPath} is held). ` +
        'Stop it first, or give this one its own data folder (dataDir / PARLEY_DATA_DIR).',
    );
    this.name = 'DataFolderLockedError';
  }
}

export interface DataFolderLock {
  release(): void;
}

/** Takes the lock at `lockPath` or throws {@link DataFolderLockedError}. */
export function lockDataFolder(lockPath: string): DataFolderLock {
  mkdirSync(dirname(lockPath), { recursive: true });
  const db = new Database(lockPath);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY'))
      throw new DataFolderLockedError(lockPath);
    throw error;
  }
  return { release: () => db.close() };
}
