/**
 * MemoryStore on SQLite with FTS5: the `memories` table and its external-content
 * full-text index `memories_fts` (kept in step by triggers). The only writer of both.
 *
 * Every row carries a `scope` token (a hash of channel, user and group) that is also
 * an indexed FTS column, and every query is `scope:<token> AND text:(words…)`: the
 * full-text engine itself intersects the scope with the words, so a search costs the
 * same whether the data set holds ten users or ten thousand, and can never return a
 * row of another scope. Words of the query are quoted (no FTS syntax gets through)
 * and OR-ed; results are ranked by bm25.
 */
import { createHash } from 'node:crypto';
import type { Memory, MemoryScope, MemoryStore } from '../stores.js';
import { type Db, prepared } from './db.js';

interface Row {
  id: number;
  channel: string;
  user_id: string;
  group_id: string | null;
  text: string;
  created_at: number;
}

const COLUMNS = 'm.id, m.channel, m.user_id, m.group_id, m.text, m.created_at';
/** Words of a query used at most (a long message still makes a bounded query). */
const MAX_TERMS = 24;

/** The scope token: one FTS5 token (hex), distinct for every (channel, user, group). */
export function scopeToken(scope: MemoryScope): string {
  const key = [scope.channel, scope.userId, scope.group ?? ''].join('\0');
  return `s${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** `"word" OR "other"` from free text, or undefined when it has no words. */
export function matchTerms(query: string): string | undefined {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])]
    .filter((word) => word.length > 1 || /\p{N}/u.test(word))
    .slice(0, MAX_TERMS);
  return words.length ? words.map((word) => `"${word}"`).join(' OR ') : undefined;
}

export class SqliteMemoryStore implements MemoryStore {
  constructor(private readonly db: Db) {}

  async add(scope: MemoryScope, text: string): Promise<Memory> {
    const createdAt = Date.now();
    const { lastInsertRowid } = prepared(
      this.db,
      `INSERT INTO memories (channel, user_id, group_id, scope, text, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(scope.channel, scope.userId, scope.group ?? null, scopeToken(scope), text, createdAt);
    return { ...pick(scope), id: Number(lastInsertRowid), text, createdAt };
  }

  async search(scope: MemoryScope, query: string, limit: number): Promise<Memory[]> {
    const terms = matchTerms(query);
    if (!terms) return [];
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories_fts f JOIN memories m ON m.id = f.rowid
       WHERE memories_fts MATCH ? ORDER BY f.rank LIMIT ?`,
    ).all(`scope : ${scopeToken(scope)} AND text : (${terms})`, limit) as Row[];
    return rows.map(toMemory);
  }

  async list(scope: MemoryScope, options: { limit: number; offset: number }): Promise<Memory[]> {
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories m WHERE scope = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
    ).all(scopeToken(scope), options.limit, options.offset) as Row[];
    return rows.map(toMemory);
  }

  async count(scope: MemoryScope): Promise<number> {
    const row = prepared(this.db, 'SELECT count(*) AS n FROM memories WHERE scope = ?').get(
      scopeToken(scope),
    ) as { n: number };
    return row.n;
  }

  async forget(scope: MemoryScope, id: number): Promise<boolean> {
    return (
      prepared(this.db, 'DELETE FROM memories WHERE id = ? AND scope = ?').run(
        id,
        scopeToken(scope),
      ).changes > 0
    );
  }

  async clear(scope: MemoryScope): Promise<number> {
    return prepared(this.db, 'DELETE FROM memories WHERE scope = ?').run(scopeToken(scope)).changes;
  }

  async exportUser(channel: string, userId: string): Promise<Memory[]> {
    const rows = prepared(
      this.db,
      `SELECT ${COLUMNS} FROM memories m WHERE channel = ? AND user_id = ? ORDER BY id`,
    ).all(channel, userId) as Row[];
    return rows.map(toMemory);
  }

  async purgeUser(channel: string, userId: string): Promise<number> {
    return prepared(this.db, 'DELETE FROM memories WHERE channel = ? AND user_id = ?').run(
      channel,
      userId,
    ).changes;
  }
}

function pick(scope: MemoryScope): MemoryScope {
  return {
    channel: scope.channel,
    userId: scope.userId,
    ...(scope.group !== undefined ? { group: scope.group } : {}),
  };
}

function toMemory(row: Row): Memory {
  return {
    id: row.id,
    channel: row.channel,
    userId: row.user_id,
    ...(row.group_id !== null ? { group: row.group_id } : {}),
    text: row.text,
    createdAt: row.created_at,
  };
}
