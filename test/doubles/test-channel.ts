/**
 * A scriptable in-process channel for router and bridge tests: inject inbound
 * messages, record what the sender pipeline delivers, and make sends fail.
 */

import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundMessage,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';
import { PlatformError } from '../../core/errors.js';

export interface Delivered {
  target: OutboundTarget;
  message: OutboundMessage;
  at: number;
}

export class TestChannel implements ChannelAdapter {
  readonly delivered: Delivered[] = [];
  readonly failures: Error[] = [];
  /** "typing…" calls received (only when created with `typing: true`). */
  typings = 0;
  private sink: InboundSink | undefined;
  private counter = 0;
  readonly capabilities: ChannelCapabilities;

  constructor(
    readonly id = 'test',
    capabilities: Partial<ChannelCapabilities> = {},
  ) {
    this.capabilities = {
      maxMessageLength: 4000,
      format: 'markdown',
      edits: false,
      buttons: false,
      threads: true,
      typing: false,
      streaming: 'none',
      rateLimits: {},
      ...capabilities,
    };
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  async stop(): Promise<void> {}

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push({ target, message, at: Date.now() });
    return { messageId: String(++this.counter) };
  }

  async typing(): Promise<void> {
    this.typings++;
  }

  /** Makes the next send fail with a platform 429 and this retry-after. */
  fail429(retryAfterSeconds: number): void {
    this.failures.push(new PlatformError({ platform: this.id, status: 429, retryAfterSeconds }));
  }

  /** Delivers an inbound message as the platform would (DM from `sender` by default). */
  inject(partial: Partial<InboundMessage> & { text: string }): Promise<{ duplicate: boolean }> {
    const platformMessageId = `p${++this.counter}-${Math.random().toString(16).slice(2, 8)}`;
    return this.sink!.accept(this.inbound({ platformMessageId, ...partial }));
  }

  /** The sender edits message `platformMessageId` (as Telegram's `edited_message` does). */
  injectEdit(
    platformMessageId: string,
    partial: Partial<InboundMessage> & { text: string },
  ): Promise<{ applied: boolean }> {
    if (!this.sink?.edited) throw new Error('this sink takes no edits');
    return this.sink.edited(this.inbound({ ...partial, platformMessageId }));
  }

  /** A message from this platform: a DM from `user-1` unless `partial` says otherwise. */
  private inbound(
    partial: Partial<InboundMessage> & { text: string; platformMessageId: string },
  ): InboundMessage {
    return {
      channel: this.id,
      account: 'bot',
      conversationId: partial.sender?.id ?? 'user-1',
      sender: { id: 'user-1', name: 'Ada' },
      chatType: 'dm',
      mentionsBot: false,
      repliesToBot: false,
      attachments: [],
      timestamp: Date.now(),
      ...partial,
    };
  }

  texts(conversationId?: string): string[] {
    return this.delivered
      .filter((d) => !conversationId || d.target.conversationId === conversationId)
      .map((d) => d.message.text);
  }

  async waitForDeliveries(count: number, timeoutMs = 10_000): Promise<Delivered[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.delivered.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} deliveries, got ${JSON.stringify(this.texts())}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.delivered;
  }
}
