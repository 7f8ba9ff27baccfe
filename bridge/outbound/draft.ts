/**
 * Streaming by editing a draft: for channels with `streaming: 'edit'`, the growing
 * answer is sent once and then edited at most once per `intervalMs`. The final text
 * is delivered by the bridge, which turns the draft into the reply's first chunk.
 * "Message is not modified" style refusals are swallowed by the adapters.
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { Sender } from './sender.js';

export interface DraftOptions {
  /** Minimum milliseconds between two edits of the draft. */
  intervalMs: number;
  /** Characters to collect before the first draft is sent. */
  minInitialChars?: number;
  /** Checked before every send or edit; a throw ends the draft (e.g. a lost lane lease). */
  guard?: () => Promise<void>;
}

export class DraftStream {
  private text = '';
  private shown = '';
  private messageId: string | undefined;
  private lastEdit = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly sender: Sender,
    private readonly target: OutboundTarget,
    private readonly options: DraftOptions,
  ) {}

  /** Adds a fragment of the answer. */
  push(delta: string): void {
    if (this.closed) return;
    this.text += delta;
    if (this.messageId === undefined && this.text.length < (this.options.minInitialChars ?? 20))
      return;
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
    const wait = Math.max(0, this.lastEdit + this.options.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.flush());
    }, wait);
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
