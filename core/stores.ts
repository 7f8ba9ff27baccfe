/**
 * The stores a channel may use, as narrow interfaces. `sessions/` implements them
 * (SQLite, and later other engines); a channel receives them through its
 * {@link ChannelContext} and never opens a database itself.
 */

/** A namespaced key/value store for a channel's credentials (e.g. WhatsApp keys). */
export interface AuthStateStore {
  readonly namespace: string;
  get(key: string): string | undefined;
  /** Writes and deletes (value `null`) in one transaction. */
  write(entries: Iterable<[key: string, value: string | null]>): void;
  /** Deletes every key of the namespace (e.g. after a logout). */
  clear(): number;
  size(): number;
  /**
   * An engine that serves this interface from a cache (Postgres) stores writes in the
   * background: `flush` waits until they are stored and throws the first failure.
   */
  flush?(): Promise<void>;
  /** Reads the namespace again (a node taking over a channel connection calls it first). */
  reload?(): Promise<void>;
}

/** A web chat message kept for its browser client. */
export interface WebOutboxItem {
  seq: number;
  clientId: string;
  payload: { text: string; buttons?: { label: string; data: string }[] };
  createdAt: number;
}

/**
 * Web chat messages kept until their client has them (replayed after reconnects).
 * Sequence numbers only ever grow, also across prunes and restarts.
 */
export interface WebOutboxStore {
  add(clientId: string, payload: WebOutboxItem['payload']): Promise<WebOutboxItem>;
  since(clientId: string, seq: number, limit?: number): Promise<WebOutboxItem[]>;
  /** Drops messages older than `maxAgeMs`. */
  prune(maxAgeMs: number): Promise<number>;
}

/**
 * A channel whose delivery is a local write (web chat's outbox) declares this on its
 * adapter: the bridge then writes the reply's outbox rows in the very transaction
 * that freezes the reply and marks it done (no crash window can duplicate it), and
 * hands the stored items to {@link pushStored} to show them.
 */
export interface LocalOutbox {
  /** Pushes messages already stored for their client, in sequence order. */
  pushStored(items: WebOutboxItem[]): void;
}

/** Host-side access to conversation workspaces, for files a channel downloads. */
export interface WorkspaceFiles {
  /**
   * Saves an inbound file into the conversation's workspace under a name derived
   * from `fileName` (never trusted as a path) and returns the saved file's path.
   */
  saveInbound(conversationKey: string, fileName: string, data: Uint8Array): Promise<string>;
}
