/**
 * The shared channel contract suite: every adapter runs it against its platform
 * test double. It checks normalisation of a DM, a group mention, a plain group
 * message and a thread reply (through the adapter's real entry point), sending,
 * chunked sending in order through the bridge's Sender, editing where declared,
 * the mapping of a 429 to a PlatformError carrying retry-after, and that a reply
 * piece sent again with its delivery key is still one message (docs/scale-out.md).
 *
 * A case a channel cannot run (no groups in the terminal, no threads on WhatsApp) is
 * declared with its reason and reported as skipped, never silently passed; a
 * declared skip must agree with the adapter's capabilities, or the suite fails.
 *
 * @example
 * ```ts
 * channelContract('telegram', { setup: async () => ({ adapter, inject, sent, fail429Once, target, teardown }) })
 * channelContract('terminal', driver, { skip: [{ cases: ['group', 'thread'], reason: 'one local user' }] })
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sender } from '../../bridge/outbound/sender.js';
import type { ChannelAdapter, InboundMessage, OutboundTarget } from '../../core/contract.js';
import { PlatformError } from '../../core/errors.js';
import { until } from '../wait.js';

export type InjectKind = 'dm' | 'groupMention' | 'groupPlain' | 'threadReply';

export interface ContractSetup {
  /** The adapter wired to the platform double (not started: the suite starts it). */
  adapter: ChannelAdapter;
  /** Feeds one platform event of `kind` carrying `text` through the adapter's real entry point. */
  inject(kind: InjectKind, text: string): Promise<void>;
  /** Texts the platform double received through send (in arrival order). */
  sent(): { conversationId: string; threadId?: string; text: string }[];
  /**
   * What the recipient's chat shows, where it differs from `sent` (WhatsApp folds a
   * message sent again under the same id into one). Default: `sent`.
   */
  shown?(): { conversationId: string; text: string }[];
  /** Texts after edits, by platform message id (for adapters with edits). */
  edited?(): Map<string, string>;
  /** Makes the double answer the next send with 429 and this retry-after. */
  fail429Once(retryAfterSeconds: number): void;
  /** A conversation the adapter may send to. */
  target: OutboundTarget;
  teardown(): Promise<void>;
}

export interface ContractDriver {
  setup(): Promise<ContractSetup>;
}

/** The cases of the suite a channel may declare it cannot run. */
export type ContractCase = 'group' | 'thread' | 'edit' | 'rate-limit' | 'resend';

export interface ContractOptions {
  skip?: { cases: ContractCase[]; reason: string }[];
}

/** Capability that must be absent for a case to be skipped (none: any reason will do). */
const SKIP_REQUIRES: Partial<Record<ContractCase, (setup: ContractSetup) => boolean>> = {
  thread: (setup) => !setup.adapter.capabilities.threads,
  edit: (setup) => !setup.adapter.capabilities.edits,
};

export function channelContract(
  name: string,
  driver: ContractDriver,
  options: ContractOptions = {},
): void {
  const reasons = new Map<ContractCase, string>();
  for (const { cases, reason } of options.skip ?? []) for (const c of cases) reasons.set(c, reason);
  /** `it`, or `it.skip` naming the reason in the test title. */
  const test = (kind: ContractCase, title: string, fn: () => Promise<void>) => {
    const reason = reasons.get(kind);
    if (reason) it.skip(`${title} (skipped: ${reason})`, fn);
    else it(title, fn);
  };
  describe(`channel contract: ${name}`, () => {
    let setup: ContractSetup;
    let received: InboundMessage[];

    beforeEach(async () => {
      setup = await driver.setup();
      received = [];
      await setup.adapter.start({
        accept: async (message) => {
          received.push(message);
          return { duplicate: false };
        },
      });
    });
    afterEach(async () => {
      await setup.adapter.stop();
      await setup.teardown();
    });

    it('normalises a DM', async () => {
      await setup.inject('dm', 'hello from a dm');
      await until(() => received.length > 0);
      const message = received[0]!;
      expect(message.channel).toBe(setup.adapter.id);
      expect(message.chatType).toBe('dm');
      expect(message.text).toBe('hello from a dm');
      expect(message.sender.id).toBeTruthy();
      expect(message.platformMessageId).toBeTruthy();
      expect(message.conversationId).toBeTruthy();
    });

    it('declares skips only for capabilities it lacks', () => {
      for (const kind of reasons.keys())
        expect(SKIP_REQUIRES[kind]?.(setup) ?? true, `skip of "${kind}"`).toBe(true);
      expect(setup.adapter.capabilities.threads || reasons.has('thread')).toBe(true);
      expect(setup.adapter.capabilities.edits || reasons.has('edit')).toBe(true);
    });

    test('group', 'normalises a group mention and a plain group message', async () => {
      await setup.inject('groupMention', 'hey bot');
      await setup.inject('groupPlain', 'just chatting');
      await until(() => received.length >= 2);
      const [mention, plain] = received;
      expect(mention!.chatType).toBe('group');
      expect(mention!.mentionsBot).toBe(true);
      expect(mention!.text).toContain('hey bot');
      expect(plain!.chatType).toBe('group');
      expect(plain!.mentionsBot).toBe(false);
      expect(plain!.repliesToBot).toBe(false);
    });

    test('thread', 'normalises a thread reply with its thread id', async () => {
      await setup.inject('threadReply', 'in the thread');
      await until(() => received.length > 0);
      expect(received[0]!.threadId).toBeTruthy();
      expect(received[0]!.text).toContain('in the thread');
    });

    it('sends a message and returns its platform id', async () => {
      const sent = await setup.adapter.send(setup.target, {
        text: 'plain reply',
        format: setup.adapter.capabilities.format,
      });
      expect(sent.messageId).toBeTruthy();
      // Delivery may reach the client a moment after send resolves (a WebSocket push).
      await until(() => setup.sent().some((m) => m.text === 'plain reply'));
    });

    test('resend', 'shows a reply piece sent again with its delivery key once', async () => {
      const piece = (resumed: boolean) => ({
        text: 'a piece sent twice',
        format: setup.adapter.capabilities.format,
        delivery: { key: 'k1.m2.0', resumed },
      });
      const first = await setup.adapter.send(setup.target, piece(false));
      const again = await setup.adapter.send(setup.target, piece(true));
      await setup.adapter.send(setup.target, { text: 'the next one', format: piece(false).format });
      const shown = () => (setup.shown ?? setup.sent)().map((m) => m.text);
      await until(() => shown().includes('the next one'));
      expect(again.messageId).toBe(first.messageId);
      expect(shown().filter((t) => t === 'a piece sent twice')).toHaveLength(1);
    });

    it('chunks a long reply within the limit, in order', async () => {
      const limit = setup.adapter.capabilities.maxMessageLength;
      const paragraphs = Array.from(
        { length: 12 },
        (_, i) => `Paragraph ${i} ${'x'.repeat(Math.ceil(limit / 5))}`,
      );
      const sender = new Sender(setup.adapter, { retry: { maxAttempts: 3, baseDelayMs: 10 } });
      const ids = await sender.send(setup.target, paragraphs.join('\n\n'));
      await sender.stop();
      await until(() => setup.sent().length >= ids.length);
      const texts = setup.sent().map((m) => m.text);
      expect(ids.length).toBeGreaterThan(1);
      expect(texts.length).toBe(ids.length);
      for (const text of texts) expect(text.length).toBeLessThanOrEqual(limit);
      const order = texts
        .join('\n')
        .match(/Paragraph \d+/g)!
        .map((p) => Number(p.split(' ')[1]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(order).size).toBe(12);
    });

    test('edit', 'edits a sent message when it declares edits', async () => {
      const sent = await setup.adapter.send(setup.target, {
        text: 'draft',
        format: setup.adapter.capabilities.format,
      });
      await setup.adapter.edit!(setup.target, sent.messageId, {
        text: 'final text',
        format: setup.adapter.capabilities.format,
      });
      expect(setup.edited?.().get(sent.messageId)).toBe('final text');
    });

    test('rate-limit', 'maps a 429 to a PlatformError with retry-after', async () => {
      setup.fail429Once(3);
      const error = await setup.adapter
        .send(setup.target, { text: 'x', format: 'plain' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformError);
      expect((error as PlatformError).status).toBe(429);
      expect((error as PlatformError).retryAfterSeconds).toBe(3);
    });
  });
}
