/**
 * The rows of `memories` as both engines store them, mapped to {@link Memory} once,
 * and the words and scope token both full-text indexes are built from (SQLite's FTS5
 * and Postgres's `tsvector` index and query the same words).
 */
import { createHash } from 'node:crypto';
import { BoundedCache } from '../../core/bounded-cache.js';
import type { Memory, MemoryScope } from '../stores.js';

export interface MemoryRow {
  id: number;
  channel: string;
  user_id: string;
  group_id: string | null;
  text: string;
  created_at: number;
}

/** Words of a query used at most (a long message still makes a bounded query). */
const MAX_TERMS = 24;

/** Scope tokens computed last: every turn recalls its sender's scope. */
const tokens = new BoundedCache<string>(1024);

/** The scope token: one word (hex), distinct for every (channel, user, group). */
export function scopeToken(scope: MemoryScope): string {
  const key = [scope.channel, scope.userId, scope.group ?? ''].join('\0');
  let token = tokens.get(key);
  if (token === undefined) {
    token = `s${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    tokens.set(key, token);
  }
  return token;
}

/** The words of `text`, lowercased, in order (one-letter words dropped, digits kept). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => word.length > 1 || /\p{N}/u.test(word),
  );
}

/** The distinct words a search asks for, at most {@link MAX_TERMS}. */
export const queryWords = (query: string): string[] =>
  [...new Set(words(query))].slice(0, MAX_TERMS);

/** Only the scope's own fields (a caller's object may carry more). */
export function scopeOf(scope: MemoryScope): MemoryScope {
  return {
    channel: scope.channel,
    userId: scope.userId,
    ...(scope.group !== undefined ? { group: scope.group } : {}),
  };
}

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    channel: row.channel,
    userId: row.user_id,
    ...(row.group_id !== null ? { group: row.group_id } : {}),
    text: row.text,
    createdAt: row.created_at,
  };
}
