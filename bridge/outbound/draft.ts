/**
 * Streaming by editing a draft: for channels with `streaming: 'edit'`, the growing
 * answer is sent once and then edited at most once per `intervalMs`. The final text
 * is delivered by the bridge, which turns the draft into the reply's first chunk.
 * "Message is not modified" style refusals are swallowed by the adapters.
 *
 * The draft's first send is the one the user is notified of (edits are silent), so it
 * waits until the answer has some substance: `minInitialChars`, or `firstDraftMs` after
 * the first fragment. An answer complete sooner is never drafted: it arrives whole.
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { Sender } from './sender.js';

export interface DraftOptions {
  /** Minimum milliseconds between two edits of the draft. */
  intervalMs: number;
  /** Characters that start the draft at once (default 200). */
  minInitialChars?: number;
  /** Otherwise the draft starts this long after the first fragment (default 1500 ms). */
  firstDraftMs?: number;
  /** Checked before every send or edit; a throw ends the draft (e.g. a lost lane lease). */
  guard?: () => Promise<void>;
}

type DraftSender = Pick<Sender, 'render' | 'sendChunk' | 'editChunk'>;

export class DraftStream {
  private text = '';
  private shown = '';
  private messageId: string | undefined;
  private lastEdit = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;
  private firstAt: number | undefined;

  constructor(
    private readonly sender: DraftSender,
    private readonly target: OutboundTarget,
    private readonly options: DraftOptions,
  ) {}

  /** Adds a fragment of the answer. */
  push(delta: string): void {
    if (this.closed) return;
    this.text += delta;
    this.firstAt ??= Date.now();
    this.schedule();
  }

  /** Stops editing and returns the draft's message id, if one was sent. */
  async close(): Promise<string | undefined> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    return this.messageId;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.nextAt() - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.flush());
    }, wait);
  }

  /**
   * Ends the draft of a turn cut short (queue mode `interrupt`): its message keeps the
   * text streamed so far, marked with `note`; it is not the reply (the next turn's
   * answer is a new message).
   */
  async cutShort(note: string): Promise<void> {
    const id = await this.close();
    if (id === undefined) return;
    const text = this.sender.render(`${this.text}\n\n${note}`)[0] ?? note;
    try {
      await this.options.guard?.();
      await this.sender.editChunk(this.target, id, text);
    } catch {
      // Like a failed preview: harmless, the draft just keeps its last text.
    }
  }

  /** When the next send or edit may happen. */
  private nextAt(): number {
    if (this.messageId !== undefined || this.lastEdit > 0)
      return this.lastEdit + this.options.intervalMs;
    if (this.text.length >= (this.options.minInitialChars ?? 200)) return 0;
    return (this.firstAt ?? Date.now()) + (this.options.firstDraftMs ?? 1500);
  }

  private async flush(): Promise<void> {
    if (this.closed) return;
    const preview = this.sender.render(`${this.text} …`)[0] ?? '…';
    if (preview === this.shown) return;
    this.lastEdit = Date.now();
    try {
      await this.options.guard?.();
    } catch {
      this.closed = true;
      return;
    }
    try {
      if (this.messageId === undefined)
        this.messageId = await this.sender.sendChunk(this.target, preview);
      else await this.sender.editChunk(this.target, this.messageId, preview);
      this.shown = preview;
    } catch {
      // A failed preview is harmless: the final reply is delivered by the bridge.
    }
  }
}
