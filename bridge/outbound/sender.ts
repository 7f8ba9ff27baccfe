/**
 * The one outbound pipeline, written once and configured per channel:
 *
 *   model Markdown ─► format (adapter.render) ─► chunk (maxMessageLength)
 *                  ─► throttle (adapter's rate limits) ─► retry ─► adapter.send / edit
 *
 * Chunks of one reply go out strictly in order; buttons ride on the last chunk.
 */
import type {
  ChannelAdapter,
  OutboundButton,
  OutboundMessage,
  OutboundTarget,
} from '../../core/contract.js';
import { chunkText } from './chunk.js';
import { defaultRetry, type RetryOptions, withRetry } from './retry.js';
import { Throttle } from './throttle.js';

export interface SenderOptions {
  retry?: Partial<RetryOptions>;
}

export class Sender {
  private readonly throttle: Throttle;
  private readonly retry: RetryOptions;

  constructor(
    private readonly adapter: ChannelAdapter,
    options: SenderOptions = {},
  ) {
    this.throttle = new Throttle(adapter.capabilities.rateLimits);
    this.retry = { ...defaultRetry, ...options.retry };
  }

  /** Format and chunk: the texts one reply will be sent as. */
  render(markdown: string): string[] {
    const { maxMessageLength } = this.adapter.capabilities;
    const rendered = this.adapter.render ? this.adapter.render(markdown) : markdown;
    const chunks = this.adapter.chunk
      ? this.adapter.chunk(rendered, maxMessageLength)
      : chunkText(rendered, maxMessageLength);
    return chunks.length > 0 ? chunks : ['…'];
  }

  /** Sends one already-rendered chunk through throttle and retry. */
  sendChunk(target: OutboundTarget, text: string, buttons?: OutboundButton[]): Promise<string> {
    const message = this.message(text, buttons);
    return this.throttle.schedule(target, () =>
      withRetry(async () => (await this.adapter.send(target, message)).messageId, this.retry),
    );
  }

  /** Replaces a sent message's text with an already-rendered chunk. */
  editChunk(
    target: OutboundTarget,
    messageId: string,
    text: string,
    buttons?: OutboundButton[],
  ): Promise<void> {
    const edit = this.adapter.edit;
    if (!edit) return Promise.reject(new Error(`${this.adapter.id} cannot edit messages`));
    const message = this.message(text, buttons);
    return this.throttle.schedule(target, () =>
      withRetry(() => edit.call(this.adapter, target, messageId, message), this.retry),
    );
  }

  /** Renders, chunks and sends `markdown`; returns the platform ids in order. */
  async send(
    target: OutboundTarget,
    markdown: string,
    buttons?: OutboundButton[],
  ): Promise<string[]> {
    const chunks = this.render(markdown);
    const ids: string[] = [];
    for (const [index, chunk] of chunks.entries()) {
      ids.push(
        await this.sendChunk(target, chunk, index === chunks.length - 1 ? buttons : undefined),
      );
    }
    return ids;
  }

  /** Shows the typing indicator if the channel has one; failures are ignored. */
  async typing(target: OutboundTarget): Promise<void> {
    if (!this.adapter.capabilities.typing || !this.adapter.typing) return;
    await this.adapter.typing(target).catch(() => {});
  }

  async stop(): Promise<void> {
    await this.throttle.stop();
  }

  private message(text: string, buttons?: OutboundButton[]): OutboundMessage {
    return {
      text,
      format: this.adapter.capabilities.format,
      ...(buttons?.length ? { buttons } : {}),
    };
  }
}
