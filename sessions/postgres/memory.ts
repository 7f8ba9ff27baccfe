/**
 * The Postgres {@link MemoryStore}: the only writer of `memories`. Full-text search
 * uses a `tsvector` column (`terms`) of the memory's words under the `simple`
 * configuration (no stemming, no stop words: the same words as SQLite's index), and a
 * query ORs the question's words and ranks by `ts_rank`.
 *
 * Scoping: every query filters on `scope` (a hash of channel, user and group, the same
 * token as SQLite's) in the same statement, through the `(scope, id)` index, so a
 * search reads only its own scope's rows and can never return another scope's memory.
 * Words are taken with the same tokenizer as SQLite (`words`), quoted into the tsquery,
 * so no query syntax gets through.
 *
 * Rows map to records (and back) in `sessions/rows/memory.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
import {
  type MemoryRow,
  queryWords,
  scopeOf,
  scopeToken,
  toMemory,
  words,
} from '../rows/memory.js';
import type { Memory, MemoryScope, MemoryStore } from '../stores.js';
import { all, changes, one } from './db.js';

const COLUMNS = 'id, channel, user_id, group_id, text, created_at';

/** `'word' | 'other' …` for `to_tsquery`, or undefined when `query` has no words. */
export function tsQuery(query: string): string | undefined {
  const unique = queryWords(query);
  return unique.length ? unique.map((word) => `'${word}'`).join(' | ') : undefined;
}

export class PostgresMemoryStore implements MemoryStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(scope: MemoryScope, text: string): Promise<Memory> {
    const createdAt = Date.now();
    const row = await one<{ id: number }>(
      this.pool,
      `INSERT INTO memories (channel, user_id, group_id, scope, text, terms, created_at)
       VALUES ($1, $2, $3, $4, $5, to_tsvector('simple', $6), $7) RETURNING id`,
      [
        scope.channel,
        scope.userId,
        scope.group ?? null,
        scopeToken(scope),
        text,
        words(text).join(' '),
        createdAt,
      ],
    );
    return { ...scopeOf(scope), id: row!.id, text, createdAt };
  }

  async search(scope: MemoryScope, query: string, limit: number): Promise<Memory[]> {
    const terms = tsQuery(query);
    if (!terms) return [];
    const rows = await all<MemoryRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM memories, to_tsquery('simple', $2) AS q
       WHERE scope = $1 AND terms @@ q
       ORDER BY ts_rank(terms, q) DESC, id DESC LIMIT $3`,
      [scopeToken(scope), terms, limit],
    );
    return rows.map(toMemory);
  }

  async list(scope: MemoryScope, options: { limit: number; offset: number }): Promise<Memory[]> {
    const rows = await all<MemoryRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM memories WHERE scope = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [scopeToken(scope), options.limit, options.offset],
    );
    return rows.map(toMemory);
  }

  async count(scope: MemoryScope): Promise<number> {
    const row = await one<{ n: number }>(
      this.pool,
      'SELECT count(*) AS n FROM memories WHERE scope = $1',
      [scopeToken(scope)],
    );
    return row!.n;
  }

  async forget(scope: MemoryScope, id: number): Promise<boolean> {
    const sql = 'DELETE FROM memories WHERE id = $1 AND scope = $2';
    return (await changes(this.pool, sql, [id, scopeToken(scope)])) > 0;
  }

  async clear(scope: MemoryScope): Promise<number> {
    return changes(this.pool, 'DELETE FROM memories WHERE scope = $1', [scopeToken(scope)]);
  }

  async exportUser(channel: string, userId: string): Promise<Memory[]> {
    const rows = await all<MemoryRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM memories WHERE channel = $1 AND user_id = $2 ORDER BY id`,
      [channel, userId],
    );
    return rows.map(toMemory);
  }

  async purgeUser(channel: string, userId: string): Promise<number> {
    const sql = 'DELETE FROM memories WHERE channel = $1 AND user_id = $2';
    return changes(this.pool, sql, [channel, userId]);
  }
}
