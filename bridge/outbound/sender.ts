/**
 * The one outbound pipeline, written once and composed per channel from wraps
 * (`pipeline.ts`):
 *
 *   model Markdown ─► format ─► chunk ─► plain fallback ─► throttle ─► retry ─► mapErrors ─► adapter
 *
 * Replies are sent in two halves with a durable checkpoint between them, so each
 * reply is delivered exactly once: the bridge calls {@link Sender.render} (format and
 * chunk, pure and deterministic) and freezes the pieces in the inbox, then sends each
 * piece with {@link Sender.sendChunk} / {@link Sender.editChunk} (plain fallback →
 * throttle → retry → mapErrors → adapter), recording each delivered piece; a restart
 * resumes at the first piece not sent. Messages that are not replies (approval
 * prompts) go through the whole stack at once with {@link Sender.send}.
 */
import type {
  ChannelAdapter,
  DeliveryKey,
  OutboundButton,
  OutboundTarget,
} from '../../core/contract.js';
import type { PlatformError } from '../../core/errors.js';
import { chunk, splitterFor } from './chunked.js';
import { format, rendererFor } from './format.js';
import { mapErrors } from './map-errors.js';
import { compose, type Outgoing, platformCall, type Send } from './pipeline.js';
import { plainFallback, plainTextFor } from './plain-fallback.js';
import { defaultRetry, type RetryOptions, retry } from './retry.js';
import { RateLimiter, throttle } from './throttle.js';

export interface SenderOptions {
  retry?: Partial<RetryOptions>;
  /** Called when a piece is resent as plain text because its markup was refused. */
  onPlainFallback?: (error: PlatformError) => void;
}

export class Sender {
  private readonly limiter: RateLimiter;
  private readonly renderText: (markdown: string) => string;
  private readonly split: (rendered: string) => string[];
  /** One piece: plain fallback → throttle → retry → mapErrors → adapter. */
  private readonly sendPiece: Send;
  /** Everything: format → chunk → the piece stack. */
  private readonly sendMarkdown: Send;

  constructor(
    private readonly adapter: ChannelAdapter,
    options: SenderOptions = {},
  ) {
    this.limiter = new RateLimiter(adapter.capabilities.rateLimits);
    this.renderText = rendererFor(adapter);
    this.split = splitterFor(adapter);
    this.sendPiece = compose(
      platformCall(adapter),
      plainFallback(plainTextFor(adapter), options.onPlainFallback),
      throttle(this.limiter),
      retry({ ...defaultRetry, ...options.retry }),
      mapErrors((error) => adapter.mapError?.(error), `${adapter.id} send`),
    );
    this.sendMarkdown = compose(
      this.sendPiece,
      format(this.renderText, adapter.capabilities.format),
      chunk(this.split),
    );
  }

  /** Format and chunk: the texts one reply will be sent as (what the inbox freezes). */
  render(markdown: string): string[] {
    return this.split(this.renderText(markdown));
  }

  /** Sends one already-rendered piece (of a reply: with its delivery key); returns its platform id. */
  async sendChunk(
    target: OutboundTarget,
    text: string,
    buttons?: OutboundButton[],
    delivery?: DeliveryKey,
  ): Promise<string> {
    const piece = { ...this.piece(text, buttons), ...(delivery ? { delivery } : {}) };
    return (await this.sendPiece(target, piece)).messageId;
  }

  /** Replaces a sent message's text with an already-rendered piece. */
  async editChunk(
    target: OutboundTarget,
    messageId: string,
    text: string,
    buttons?: OutboundButton[],
  ): Promise<void> {
    if (!this.adapter.edit) throw new Error(`${this.adapter.id} cannot edit messages`);
    await this.sendPiece(target, { ...this.piece(text, buttons), replaces: messageId });
  }

  /** Renders, chunks and sends `markdown`; returns the platform ids in order. */
  async send(
    target: OutboundTarget,
    markdown: string,
    buttons?: OutboundButton[],
  ): Promise<string[]> {
    const message: Outgoing = {
      text: markdown,
      format: 'markdown',
      ...(buttons?.length ? { buttons } : {}),
    };
    const sent = await this.sendMarkdown(target, message);
    return sent.messageIds ?? [sent.messageId];
  }

  /** Shows the typing indicator if the channel has one; failures are ignored. */
  async typing(target: OutboundTarget): Promise<void> {
    if (!this.adapter.capabilities.typing || !this.adapter.typing) return;
    await this.adapter.typing(target).catch(() => {});
  }

  async stop(): Promise<void> {
    await this.limiter.stop();
  }

  private piece(text: string, buttons?: OutboundButton[]): Outgoing {
    return {
      text,
      format: this.adapter.capabilities.format,
      ...(buttons?.length ? { buttons } : {}),
    };
  }
}
