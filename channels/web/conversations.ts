/**
 * The web chat's conversation list: one entry per conversation the token holder
 * started (id, title, last activity), kept in the channel's own key/value
 * namespace (`web:conversations`: a key per conversation plus the list of ids), so
 * every browser with the token lists the same conversations. The messages themselves live in the web outbox under the
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

/** Key of the list of ids; each conversation is its own key `c:<id>`. */
const IDS = 'ids';
const entryKey = (id: string) => `c:${id}`;
/** Activity is recorded at most this often per conversation (the list is ordered by it). */
const TOUCH_EVERY_MS = 60_000;
export const MAX_TITLE = 120;
/** Conversation ids the page makes and the WebSocket accepts. */
export const CONVERSATION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class Conversations {
  constructor(private readonly store: AuthStateStore) {}

  /** Most recently active first. */
  list(): Conversation[] {
    return this.ids()
      .map((id) => this.get(id))
      .filter((c): c is Conversation => c !== undefined)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  get(id: string): Conversation | undefined {
    const raw = this.store.get(entryKey(id));
    if (!raw) return undefined;
    try {
      return { id, ...(JSON.parse(raw) as Omit<Conversation, 'id'>) };
    } catch {
      return undefined;
    }
  }

  /**
   * Records activity in `id`, creating it with a title taken from `firstText`. On
   * the hot path of every web message, so it writes only when something changes
   * that the list shows: a new conversation, its first real title, or activity
   * more than a minute newer than recorded.
   */
  touch(id: string, firstText: string, now = Date.now()): void {
    const entry = this.get(id);
    if (!entry) {
      const created = { id, title: titleFrom(firstText), createdAt: now, updatedAt: now };
      this.store.write([
        [entryKey(id), encode(created)],
        [IDS, JSON.stringify([...this.ids(), id])],
      ]);
      return;
    }
    const retitle =
      !entry.named && entry.title === 'New chat' && titleFrom(firstText) !== 'New chat';
    if (!retitle && now - entry.updatedAt < TOUCH_EVERY_MS) return;
    this.put({ ...entry, updatedAt: now, ...(retitle ? { title: titleFrom(firstText) } : {}) });
  }

  rename(id: string, title: string): Conversation | undefined {
    const entry = this.get(id);
    if (!entry) return undefined;
    const renamed = {
      ...entry,
      title: title.trim().slice(0, MAX_TITLE) || entry.title,
      named: true,
    };
    this.put(renamed);
    return renamed;
  }

  remove(id: string): boolean {
    if (!this.get(id)) return false;
    this.store.write([
      [entryKey(id), null],
      [IDS, JSON.stringify(this.ids().filter((known) => known !== id))],
    ]);
    return true;
  }

  private put(entry: Conversation): void {
    this.store.write([[entryKey(entry.id), encode(entry)]]);
  }

  private ids(): string[] {
    const raw = this.store.get(IDS);
    if (!raw) return [];
    try {
      const value = JSON.parse(raw) as unknown;
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    } catch {
      return [];
    }
  }
}

function encode({ id: _id, ...rest }: Conversation): string {
  return JSON.stringify(rest);
}

/** A title from the first line of a message: commands and empty text make "New chat". */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!line || line.startsWith('/')) return 'New chat';
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
