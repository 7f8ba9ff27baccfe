/**
 * MemoryStore on SQLite with FTS5: the `memories` table and its contentless full-text
 * index `memories_fts`, both written only here (in one transaction per change).
 *
 * Every word is indexed as `<scope>x<word>`, where scope is a hash of channel, user and
 * group, and a query asks for `"<scope>xword" OR …`: the index itself keeps scopes
 * apart, a search reads only the postings of its own scope (its cost does not grow with
 * other users' memories), and no row of another scope can match. Query words are
 * quoted (no FTS syntax gets through) and OR-ed; results are ranked by bm25.
 *
 * Rows map to records (and back) in `sessions/rows/memory.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
import {
  type MemoryRow,
  queryWords,
  scopeOf,
  scopeToken,
  toMemory,
  words,
} from '../rows/memory.js';
import type { Memory, MemoryScope, MemoryStore } from '../stores.js';
import { type Db, prepared } from './db.js';

/** The memory columns, from the table joined to its index as `m`. */
const COLUMNS = 'm.id, m.channel, m.user_id, m.group_id, m.text, m.created_at';

/** What the index holds for `text` in `scope`: every word behind the scope token. */
export function indexTerms(scope: string, text: string): string {
  return words(text)
    .map((word) => `${scope}x${word}`)
    .join(' ');
}

/** `"<scope>xword" OR …` for free text, or undefined when it has no words. */
export function matchTerms(scope: string, query: string): string | undefined {
  const unique = queryWords(query);
  return unique.length ? unique.map((word) => `"${scope}x${word}"`).join(' OR ') : undefined;
}

export class SqliteMemoryStore implements MemoryStore {
  constructor(private readonly db: Db) {}

  async add(scope: MemoryScope, text: string): Promise<Memory> {
    const createdAt = Date.now();
    const token = scopeToken(scope);
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = prepared(
        this.db,
        `INSERT INTO memories (channel, user_id, group_id, scope, text, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(scope.channel, scope.userId, scope.group ?? null, token, text, createdAt);
      prepared(this.db, 'INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)').run(
        lastInsertRowid,
        indexTerms(token, text),
      );
      return Number(lastInsertRowid);
    })();
    return { ...scopeOf(scope), id, text, createdAt };
  }

  async search(scope: MemoryScope, query: string, limit: number): Promise<Memory[]> {
    const token = scopeToken(scope);
    // Most turns come from users with no memories: one index probe, before the query's
    // words are even looked at, instead of the FTS query.
    if (!prepared(this.db, 'SELECT 1 FROM memories WHERE scope = ? LIMIT 1').get(token)) return [];
    const terms = matchTerms(token, query);
    if (!terms) return [];
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories_fts f JOIN memories m ON m.id = f.rowid
       WHERE memories_fts MATCH ? ORDER BY f.rank LIMIT ?`,
    ).all(terms, limit) as MemoryRow[];
    return rows.map(toMemory);
  }

  async list(scope: MemoryScope, options: { limit: number; offset: number }): Promise<Memory[]> {
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories m WHERE scope = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
    ).all(scopeToken(scope), options.limit, options.offset) as MemoryRow[];
    return rows.map(toMemory);
  }

  async count(scope: MemoryScope): Promise<number> {
    const row = prepared(this.db, 'SELECT count(*) AS n FROM memories WHERE scope = ?').get(
      scopeToken(scope),
    ) as { n: number };
    return row.n;
  }

  async forget(scope: MemoryScope, id: number): Promise<boolean> {
    return this.remove('id = ? AND scope = ?', id, scopeToken(scope)) > 0;
  }

  async clear(scope: MemoryScope): Promise<number> {
    return this.remove('scope = ?', scopeToken(scope));
  }

  async exportUser(channel: string, userId: string): Promise<Memory[]> {
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories m WHERE channel = ? AND user_id = ? ORDER BY id`,
    ).all(channel, userId) as MemoryRow[];
    return rows.map(toMemory);
  }

  async purgeUser(channel: string, userId: string): Promise<number> {
    return this.remove('channel = ? AND user_id = ?', channel, userId);
  }

  /** Deletes the rows matching `where` from the table and the index, in one transaction. */
  private remove(where: string, ...params: (string | number)[]): number {
    return this.db.transaction(() => {
      prepared(
        this.db,
        `DELETE FROM memories_fts WHERE rowid IN (SELECT id FROM memories WHERE ${where})`,
      ).run(...params);
      return prepared(this.db, `DELETE FROM memories WHERE ${where}`).run(...params).changes;
    })();
  }
}
