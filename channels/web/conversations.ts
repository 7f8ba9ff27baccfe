/**
 * The web chat's conversation list: one entry per conversation the token holder
 * started (id, title, last activity), kept as one JSON value in the channel's own
 * key/value namespace (`web:conversations`), so every browser with the token lists
 * the same conversations. The messages themselves live in the web outbox under the
 * conversation's id. A title comes from the first message until it is renamed.
 *
 *   page ─GET /web/conversations──────────► list()
 *        ─PUT /web/conversations/<id>─────► rename()   {"title": "…"}
 *        ─DELETE /web/conversations/<id>──► remove() + the outbox rows
 */
import type { AuthStateStore } from '../../core/stores.js';

export interface Conversation {
  id: string;
  title: string;
  /** The title was set by the user (a rename), not taken from the first message. */
  named?: boolean;
  createdAt: number;
  updatedAt: number;
}

const KEY = 'index';
export const MAX_TITLE = 120;
/** Conversation ids the page makes and the WebSocket accepts. */
export const CONVERSATION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class Conversations {
  constructor(private readonly store: AuthStateStore) {}

  /** Most recently active first. */
  list(): Conversation[] {
    return this.read().sort((a, b) => b.updatedAt - a.updatedAt);
  }

  get(id: string): Conversation | undefined {
    return this.read().find((c) => c.id === id);
  }

  /** Records activity in `id`, creating it with a title taken from `firstText`. */
  touch(id: string, firstText: string, now = Date.now()): Conversation {
    const all = this.read();
    let entry = all.find((c) => c.id === id);
    if (!entry) {
      entry = { id, title: titleFrom(firstText), createdAt: now, updatedAt: now };
      all.push(entry);
    } else {
      entry.updatedAt = now;
      if (!entry.named && entry.title === 'New chat' && firstText.trim())
        entry.title = titleFrom(firstText);
    }
    this.write(all);
    return entry;
  }

  rename(id: string, title: string): Conversation | undefined {
    const all = this.read();
    const entry = all.find((c) => c.id === id);
    if (!entry) return undefined;
    entry.title = title.trim().slice(0, MAX_TITLE) || entry.title;
    entry.named = true;
    this.write(all);
    return entry;
  }

  remove(id: string): boolean {
    const all = this.read();
    const kept = all.filter((c) => c.id !== id);
    if (kept.length === all.length) return false;
    this.write(kept);
    return true;
  }

  private read(): Conversation[] {
    const raw = this.store.get(KEY);
    if (!raw) return [];
    try {
      const value = JSON.parse(raw) as unknown;
      return Array.isArray(value) ? (value as Conversation[]) : [];
    } catch {
      return [];
    }
  }

  private write(all: Conversation[]): void {
    this.store.write([[KEY, JSON.stringify(all)]]);
  }
}

/** A title from the first line of a message: commands and empty text make "New chat". */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!line || line.startsWith('/')) return 'New chat';
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
