/**
 * Sender edits of messages that still wait for their turn (Telegram `edited_message`):
 *
 *   adapter ─sink.edited()─► PendingEdits.apply ─► InboxStore.edit (pending, unstarted rows only)
 *                                                   └─► the queued entry in memory, too
 *   bridge, as a turn starts ─► PendingEdits.start(entry) ─► (edit in flight done) ─► begin
 *
 * A row waits from the moment it is queued until its turn starts. `start` takes it
 * out synchronously, so an edit arriving later is ignored, and waits for an edit
 * already being written, so the turn runs exactly the text the inbox holds. An edit
 * of a message whose turn started, or that was answered, changes nothing: the
 * answer already given (or being written) stays the answer, and nothing is answered
 * twice.
 *
 * On a shared inbox (leased lanes, several nodes) the queue is not in this process:
 * the store's own condition (`pending`, no attempt counted) decides alone.
 */
import type { InboundMessage, MessageEdit } from '../core/contract.js';
import type { InboxEntry } from '../sessions/records.js';
import type { InboxStore } from '../sessions/stores.js';

const keyOf = (message: Pick<InboundMessage, 'channel' | 'platformMessageId'>) =>
  `${message.channel}\u0000${message.platformMessageId}`;

export class PendingEdits {
  /** Queued rows whose turn has not started, by (channel, platform id). */
  private readonly waiting = new Map<string, InboxEntry>();
  /** Edits being written, by inbox id (a turn about to start waits for them). */
  private readonly writing = new Map<number, Promise<unknown>>();

  constructor(
    private readonly inbox: InboxStore,
    /** True when rows run on other nodes (leased lanes): no queue here to update. */
    private readonly shared: boolean,
  ) {}

  /** The row is queued: until {@link start}, an edit of its message applies. */
  queued(entry: InboxEntry): void {
    if (!this.shared) this.waiting.set(keyOf(entry.message), entry);
  }

  /**
   * The row's turn starts (or its delivery resumes): later edits are ignored. Returns
   * the edit still being written, to wait for; nothing (no extra tick) when there is none.
   */
  start(entry: InboxEntry): Promise<void> | undefined {
    this.waiting.delete(keyOf(entry.message));
    // A failed write changed nothing: the turn runs what the inbox holds either way.
    return this.writing.get(entry.id)?.then(
      () => {},
      () => {},
    );
  }

  /** Applies the edit to a waiting message; false when there is none (started, answered, unknown). */
  async apply(message: InboundMessage): Promise<boolean> {
    const edit: MessageEdit = {
      text: message.text,
      mentionsBot: message.mentionsBot,
      repliesToBot: message.repliesToBot,
    };
    if (this.shared) {
      const id = await this.inbox.edit(message.channel, message.platformMessageId, edit);
      return id !== undefined;
    }
    const entry = this.waiting.get(keyOf(message));
    if (!entry) return false;
    const previous = this.writing.get(entry.id);
    const write = (async () => {
      await previous?.catch(() => {});
      const id = await this.inbox.edit(message.channel, message.platformMessageId, edit);
      if (id === undefined) return false;
      entry.message = { ...entry.message, ...edit };
      return true;
    })();
    this.writing.set(entry.id, write);
    try {
      return await write;
    } finally {
      if (this.writing.get(entry.id) === write) this.writing.delete(entry.id);
    }
  }
}
