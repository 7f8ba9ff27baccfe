/**
 * Opens the stores `storage.driver` names: SQLite in `dataDir` (the default; a
 * serving process holds its one-process lock) or Postgres at `storage.url`, shared by
 * any number of nodes (no lock: work is shared through leases instead).
 *
 * @example
 * ```ts
 * const stores = await openStores(config, { serve: true, log })   // parley start
 * const stores = await openStores(config)                         // short-lived commands
 * ```
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StorageConfig } from '../sessions/config.js';
import type { PostgresStores } from '../sessions/postgres/index.js';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import type { Stores } from '../sessions/stores.js';
import type { ParleyConfig } from './config/schema.js';

export interface OpenStoresOptions {
  /** A serving process (`parley start`): SQLite takes its lock and runs the checkpointer. */
  serve?: boolean;
  log?: Logger;
}

/** This node's id in leases and the node registry. */
export const nodeIdOf = (storage: StorageConfig): string =>
  storage.nodeId ?? `${hostname()}-${process.pid}`;

export async function openStores(
  config: Pick<ParleyConfig, 'dataDir' | 'storage'>,
  options: OpenStoresOptions = {},
): Promise<Stores> {
  const { storage } = config;
  if (storage.driver === 'postgres') {
    const log = options.log;
    // Loaded only here: a SQLite node never loads the Postgres driver.
    const { openPostgresStores } = await import('../sessions/postgres/index.js');
    return openPostgresStores(storage.url!, {
      max: storage.poolSize,
      applicationName: `parley ${nodeIdOf(storage)}`,
      onError: (error, message) => log?.error({ err: error }, message),
    });
  }
  const path = join(config.dataDir, 'parley.db');
  if (!options.serve) return openSqliteStores(path);
  return openSqliteStores(path, {
    lock: true,
    ...(options.log ? { checkpointer: { log: options.log } } : {}),
  });
}

/** The Postgres stores when `stores` are Postgres (several nodes may share them). */
export const sharedStores = (stores: Stores): PostgresStores | undefined =>
  'work' in stores ? (stores as PostgresStores) : undefined;
