/**
 * Channel credentials in Postgres (e.g. WhatsApp creds and Signal keys): the Postgres
 * {@link AuthStateStore}, served from a write-through cache.
 *
 *   get / size ──► in-memory map (loaded at open, or by reload())
 *   write / clear ──► map at once ──► queue ──► one transaction per batch, in order
 *
 * `AuthStateStore` is synchronous because Baileys reads and writes keys inside its
 * Signal decryption path and the SQLite store answers in microseconds. Rather than
 * make every caller async, this store keeps the namespace in memory: reads see every
 * earlier write at once (also before it reaches the database), and batches reach the
 * database in the order they were written, each in one transaction, so a crash keeps
 * a prefix of whole batches. One node writes a namespace at a time (the node holding
 * that channel's connection lease); a node that takes a connection over calls
 * `reload()` first. `flush()` (also run by `close()`) waits until every batch is stored
 * and throws the first write error, if any.
 */
import type pg from 'pg';
import type { AuthStateStore } from '../../core/stores.js';
import { all, transaction } from './db.js';

export class PostgresAuthStateStore implements AuthStateStore {
  private values = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly pool: pg.Pool,
    readonly namespace: string,
    loaded: Iterable<[string, string]> = [],
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    for (const [key, value] of loaded) this.values.set(key, value);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Applies the batch to the cache now; stores it in one transaction after earlier batches. */
  write(entries: Iterable<[key: string, value: string | null]>): void {
    const batch = [...entries];
    for (const [key, value] of batch) {
      if (value === null) this.values.delete(key);
      else this.values.set(key, value);
    }
    this.enqueue((tx) => this.store(tx, batch));
  }

  clear(): number {
    const count = this.values.size;
    this.values.clear();
    this.enqueue((tx) => tx.query('DELETE FROM auth_state WHERE namespace = $1', [this.namespace]));
    return count;
  }

  size(): number {
    return this.values.size;
  }

  /** Waits until every write so far is stored; throws the first one that failed. */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Stores pending writes, then reads the namespace again (after another node wrote it). */
  async reload(): Promise<void> {
    await this.flush();
    const rows = await all<{ key: string; value: string }>(
      this.pool,
      'SELECT key, value FROM auth_state WHERE namespace = $1',
      [this.namespace],
    );
    this.values = new Map(rows.map((row) => [row.key, row.value]));
  }

  private enqueue(fn: (tx: pg.PoolClient) => Promise<unknown>): void {
    this.queue = this.queue.then(async () => {
      try {
        await transaction(this.pool, fn);
      } catch (error) {
        this.failure ??= error;
        this.onError(error);
      }
    });
  }

  private async store(tx: pg.PoolClient, batch: [string, string | null][]): Promise<void> {
    for (const [key, value] of batch) {
      if (value === null)
        await tx.query('DELETE FROM auth_state WHERE namespace = $1 AND key = $2', [
          this.namespace,
          key,
        ]);
      else
        await tx.query(
          `INSERT INTO auth_state (namespace, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`,
          [this.namespace, key, value],
        );
    }
  }
}

/** Every namespace's rows, read once at open (auth state is small: one account's keys). */
export async function loadAuthStates(pool: pg.Pool): Promise<Map<string, [string, string][]>> {
  const rows = await all<{ namespace: string; key: string; value: string }>(
    pool,
    'SELECT namespace, key, value FROM auth_state',
  );
  const byNamespace = new Map<string, [string, string][]>();
  for (const row of rows) {
    const list = byNamespace.get(row.namespace) ?? [];
    list.push([row.key, row.value]);
    byNamespace.set(row.namespace, list);
  }
  return byNamespace;
}
