/**
 * The words and scope token shared by every MemoryStore engine (SQLite FTS5 and
 * Postgres full-text search index and query the same words).
 */
import { createHash } from 'node:crypto';
import type { MemoryScope } from './stores.js';

/** The scope token: one word (hex), distinct for every (channel, user, group). */
export function scopeToken(scope: MemoryScope): string {
  const key = [scope.channel, scope.userId, scope.group ?? ''].join('\0');
  return `s${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** The words of `text`, lowercased, in order (one-letter words dropped, digits kept). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => word.length > 1 || /\p{N}/u.test(word),
  );
}
