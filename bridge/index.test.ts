import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../core/contract.js';
import { NetworkError, PlatformError } from '../core/errors.js';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { createWorkspaceFiles, removeInboundFiles } from '../sessions/workspace/index.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { tempDir } from '../test/harness.js';
import { until } from '../test/wait.js';
import { Bridge, type MessageHandler } from './index.js';

const silent = pino({ level: 'silent' });
/** The inbox of the data set at `path` (each call is one process' connection). */
const inboxAt = (path: string) => openSqliteStores(path).inbox;
const freshInbox = () => inboxAt(join(tempDir(), 'parley.db'));
const dmFrom = (text: string, platformMessageId: string): InboundMessage => ({
  channel: 'test',
  account: 'bot',
  conversationId: 'user-1',
  sender: { id: 'user-1' },
  chatType: 'dm',
  mentionsBot: false,
  repliesToBot: false,
  text,
  attachments: [],
  platformMessageId,
  timestamp: 0,
});
const echo: MessageHandler = { handle: async (turn) => ({ text: `re: ${turn.message.text}` }) };

describe('Bridge', () => {
  it('resumes a frozen reply after a restart from the first unsent chunk, without a new turn', async () => {
    const path = join(tempDir(), 'parley.db');
    const stores = openSqliteStores(path);
    const first = new Bridge(stores.inbox, echo, silent);
    const { entry } = await first.inbox.accept(
      {
        channel: 'test',
        account: 'bot',
        conversationId: 'c',
        sender: { id: 'u' },
        chatType: 'dm',
        mentionsBot: false,
        repliesToBot: false,
        text: 'q',
        attachments: [],
        platformMessageId: 'p1',
        timestamp: 0,
      },
      'test:bot:c',
    );
    await first.inbox.setReply(entry.id, {
      chunks: ['part one', 'part two'],
      sent: 1,
      messageIds: ['1'],
    });
    await stores.close();

    let turns = 0;
    const channel = new TestChannel();
    const bridge = new Bridge(
      inboxAt(path),
      {
        handle: async () => {
          turns++;
          return { text: 'new' };
        },
      },
      silent,
    );
    await channel.start(bridge.register(channel));
    expect(await bridge.recover()).toBe(1);
    await bridge.drain();
    expect(channel.texts()).toEqual(['part two']);
    expect(turns).toBe(0);
    expect((await bridge.inbox.get(entry.id))!.state).toBe('done');
    // The resumed piece carries the key the first run derived for it, marked as possibly sent.
    const key = `${entry.id.toString(36)}.${entry.receivedAt.toString(36)}.1`;
    expect(channel.delivered.map((d) => d.message.delivery)).toEqual([{ key, resumed: true }]);
  });

  it('gives every piece of a fresh reply its own delivery key, none of them resumed', async () => {
    const channel = new TestChannel('test', { maxMessageLength: 20 });
    const bridge = new Bridge(freshInbox(), echo, silent);
    await channel.start(bridge.register(channel));
    await channel.inject({ text: 'a question long enough for three pieces or more' });
    await until(() => channel.delivered.length >= 3, 5000, { what: 'the pieces' });
    await bridge.drain();
    const keys = channel.delivered.map((d) => d.message.delivery);
    expect(keys.length).toBeGreaterThan(2);
    expect(new Set(keys.map((k) => k!.key)).size).toBe(keys.length);
    expect(keys.map((k) => k!.key.split('.').at(-1))).toEqual(keys.map((_, i) => i.toString(36)));
    expect(keys.every((k) => k!.resumed === false)).toBe(true);
  });

  it('re-runs an interrupted turn, then answers with an apology once runs keep being interrupted', async () => {
    const path = join(tempDir(), 'parley.db');
    const runs: boolean[] = [];
    const start = async () => {
      const channel = new TestChannel();
      const bridge = new Bridge(
        inboxAt(path),
        {
          handle: async (turn) => {
            runs.push(turn.rerun);
            return new Promise(() => {}); // never finishes: the next start is the "restart"
          },
        },
        silent,
        { maxAttempts: 2 },
      );
      await channel.start(bridge.register(channel));
      await bridge.recover();
      return channel;
    };
    await (await start()).inject({ text: 'crash me' });
    await start();
    const last = await start();
    await last.waitForDeliveries(1, 3000);
    expect(runs).toEqual([false, true]);
    expect(last.texts()).toEqual(['Sorry, I could not process this message. Please try again.']);
  });

  it('tries a delivery again later when network failures outlast the retries', async () => {
    const channel = new TestChannel();
    const bridge = new Bridge(freshInbox(), echo, silent, {
      retry: { maxAttempts: 2, baseDelayMs: 1 },
      redeliveryDelayMs: 20,
    });
    await channel.start(bridge.register(channel));
    channel.failures.push(
      ...Array.from({ length: 3 }, () => new NetworkError('test', new Error('ECONNRESET'))),
    );
    await channel.inject({ text: 'hello' });
    await channel.waitForDeliveries(1, 3000);
    expect(channel.texts()).toEqual(['re: hello']);
  });

  it('gives up on a platform refusal without retrying', async () => {
    const channel = new TestChannel();
    const events: string[] = [];
    const bridge = new Bridge(freshInbox(), echo, silent, {
      redeliveryDelayMs: 10,
    });
    bridge.on((event) => events.push(event.type));
    await channel.start(bridge.register(channel));
    channel.failures.push(
      new PlatformError({
        platform: 'test',
        status: 403,
        description: 'bot was blocked by the user',
      }),
    );
    await channel.inject({ text: 'hello' });
    await bridge.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(channel.delivered).toHaveLength(0);
    expect(events).toEqual(['accepted', 'failed']);
    expect((await bridge.inbox.counts()).failed).toBe(1);
  });

  it('answers with an apology when the handler throws, once', async () => {
    const channel = new TestChannel();
    const bridge = new Bridge(
      freshInbox(),
      {
        handle: async () => {
          throw new Error('bug');
        },
      },
      silent,
    );
    await channel.start(bridge.register(channel));
    await channel.inject({ text: 'hello' });
    await bridge.drain();
    expect(channel.texts()).toEqual(['Sorry, I could not process this message. Please try again.']);
  });

  it('recovery leaves a row alone while a live turn of this process owns it', async () => {
    let release = () => {};
    let turns = 0;
    const channel = new TestChannel();
    const bridge = new Bridge(
      freshInbox(),
      {
        handle: async (turn) => {
          turns++;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { text: `re: ${turn.message.text}` };
        },
      },
      silent,
    );
    await channel.start(bridge.register(channel));
    await channel.inject({ text: 'slow' });
    await until(() => turns === 1);
    expect(await bridge.recover()).toBe(0);
    release();
    await bridge.drain();
    expect(turns).toBe(1);
    expect(channel.texts()).toEqual(['re: slow']);
  });

  it('queues messages accepted during recovery behind the recovered ones', async () => {
    const path = join(tempDir(), 'parley.db');
    const old = await inboxAt(path).accept(dmFrom('older', 'old-1'), 'test:bot:user-1');
    expect(old.duplicate).toBe(false);
    const order: string[] = [];
    const channel = new TestChannel();
    const bridge = new Bridge(
      inboxAt(path),
      {
        handle: async (turn) => {
          order.push(turn.message.text);
          return { text: 'ok' };
        },
      },
      silent,
    );
    const sink = bridge.register(channel);
    const recovering = bridge.recover();
    await sink.accept(dmFrom('newer', 'new-1'));
    await recovering;
    await bridge.drain();
    expect(order).toEqual(['older', 'newer']);
  });

  it('counts an attempt only for a turn that started, not for one waiting in its lane', async () => {
    const path = join(tempDir(), 'parley.db');
    const runs: string[] = [];
    const start = async () => {
      const channel = new TestChannel();
      const bridge = new Bridge(
        inboxAt(path),
        {
          handle: async (turn) => {
            runs.push(turn.message.text);
            if (turn.message.text === 'hang') return new Promise(() => {});
            return { text: `re: ${turn.message.text}` };
          },
        },
        silent,
        { maxAttempts: 2 },
      );
      await channel.start(bridge.register(channel));
      await bridge.recover();
      return { channel, bridge };
    };
    const first = await start();
    await first.channel.inject({ text: 'hang' });
    await first.channel.inject({ text: 'waiting' });
    await until(() => runs.length === 1);
    await start(); // restart: 'hang' runs again and hangs; 'waiting' still waits behind it
    const last = await start(); // 'hang' gets the apology; 'waiting' finally runs, for real
    await last.channel.waitForDeliveries(2, 3000);
    expect(last.channel.texts()).toEqual([
      'Sorry, I could not process this message. Please try again.',
      're: waiting',
    ]);
    expect(runs).toEqual(['hang', 'hang', 'waiting']);
  });
});

describe('Bridge pruning', () => {
  it('prunes finished rows past the retention while running, not only at start', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const inbox = freshInbox();
      const channel = new TestChannel();
      const bridge = new Bridge(inbox, echo, silent, { inboxRetentionMs: 24 * 3600_000 });
      await channel.start(bridge.register(channel));
      await bridge.recover();
      await channel.inject({ text: 'hello', platformMessageId: 'm1' });
      await until(() => channel.texts().length === 1);
      await bridge.drain();
      expect(await inbox.counts()).toMatchObject({ done: 1 });
      await vi.advanceTimersByTimeAsync(25 * 3600_000);
      expect(await inbox.counts()).toMatchObject({ done: 0 });
      await bridge.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Bridge: a turn that waits for an approval', () => {
  it('pauses typing and tells the next message once why it waits, then answers in order', async () => {
    const channel = new TestChannel('test', { typing: true });
    let answered!: () => void;
    const approval = new Promise<void>((resolve) => {
      answered = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const handler: MessageHandler = {
      handle: async (turn) => {
        if (turn.message.text !== 'first') return { text: `re: ${turn.message.text}` };
        await new Promise((resolve) => setTimeout(resolve, 60)); // typing shows meanwhile
        const release = turn.hold!('it waits for the owner');
        holding();
        await approval;
        release();
        return { text: 'done first' };
      },
    };
    const bridge = new Bridge(freshInbox(), handler, silent, {
      typingDelayMs: 5,
      typingIntervalMs: 10,
    });
    await channel.start(bridge.register(channel));
    await bridge.recover();
    await channel.inject({ text: 'first', platformMessageId: 'p1' });
    await held;
    expect(channel.typings).toBeGreaterThan(0); // it was typing before it waited
    const whileHeld = channel.typings;
    await channel.inject({ text: 'second', platformMessageId: 'p2' });
    await channel.inject({ text: 'third', platformMessageId: 'p3' });
    await until(() => channel.texts().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(channel.typings).toBe(whileHeld); // no "typing…" while the owner is asked
    expect(channel.texts()).toEqual(['it waits for the owner']);
    answered();
    await until(() => channel.texts().length === 4);
    expect(channel.texts()).toEqual([
      'it waits for the owner',
      'done first',
      're: second',
      're: third',
    ]);
  });

  it('applies an edit to a message waiting behind a running turn, and ignores one after its turn started', async () => {
    const path = join(tempDir(), 'parley.db');
    const channel = new TestChannel();
    let release!: () => void;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const handler: MessageHandler = {
      handle: async (turn) => {
        seen.push(turn.message.text);
        if (turn.message.text === 'first') await first;
        return { text: `re: ${turn.message.text}` };
      },
    };
    const bridge = new Bridge(inboxAt(path), handler, silent);
    await channel.start(bridge.register(channel));
    await bridge.recover();
    await channel.inject({ text: 'first', platformMessageId: 'p1' });
    await until(() => seen.length === 1);
    await channel.inject({ text: 'secnod', platformMessageId: 'p2' });
    // p2 waits behind p1: the edit replaces its text; p1's turn runs: its edit is ignored.
    expect(await channel.injectEdit('p2', { text: 'second' })).toEqual({ applied: true });
    expect(await channel.injectEdit('p1', { text: 'first, edited' })).toEqual({ applied: false });
    expect(await channel.injectEdit('nope', { text: 'unknown' })).toEqual({ applied: false });
    const other = inboxAt(path); // the edit is stored, not only in memory
    expect((await other.reclaim()).map((e) => e.message.text)).toEqual(['first', 'second']);
    release();
    await channel.waitForDeliveries(2, 3000);
    expect(seen).toEqual(['first', 'second']);
    expect(channel.texts()).toEqual(['re: first', 're: second']);
    // Answered: an edit now changes nothing and answers nothing.
    expect(await channel.injectEdit('p2', { text: 'second, edited later' })).toEqual({
      applied: false,
    });
    await bridge.drain();
    expect(channel.texts()).toHaveLength(2);
  });

  it('a turn about to start waits for an edit being written, and runs the edited text', async () => {
    const channel = new TestChannel();
    const inbox = freshInbox();
    let writeEdit!: () => void;
    const slowWrite = new Promise<void>((resolve) => {
      writeEdit = resolve;
    });
    const edit = inbox.edit.bind(inbox);
    inbox.edit = async (...args) => {
      await slowWrite; // the store is slow to answer: the turn must not overtake it
      return edit(...args);
    };
    let release!: () => void;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const bridge = new Bridge(
      inbox,
      {
        handle: async (turn) => {
          seen.push(turn.message.text);
          if (turn.message.text === 'first') await first;
          return { text: 'ok' };
        },
      },
      silent,
    );
    await channel.start(bridge.register(channel));
    await bridge.recover();
    await channel.inject({ text: 'first', platformMessageId: 'p1' });
    await until(() => seen.length === 1);
    await channel.inject({ text: 'draft', platformMessageId: 'p2' });
    const edited = channel.injectEdit('p2', { text: 'final' });
    release(); // p2's turn starts while its edit is still being written
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['first']);
    writeEdit();
    expect(await edited).toEqual({ applied: true });
    await channel.waitForDeliveries(2, 3000);
    expect(seen).toEqual(['first', 'final']);
  });

  it("deletes the files a redelivered duplicate brought, keeping the first delivery's", async () => {
    const dataDir = tempDir();
    const files = createWorkspaceFiles(dataDir);
    const channel = new TestChannel();
    const bridge = new Bridge(freshInbox(), echo, silent, {
      discardFiles: (paths) => removeInboundFiles(dataDir, paths),
    });
    await channel.start(bridge.register(channel));
    await bridge.recover();
    const photo = async () => ({
      kind: 'image' as const,
      path: await files.saveInbound('test:bot:user-1', 'photo.jpg', Buffer.from('jpeg')),
    });
    const first = await photo();
    const again = await photo(); // the platform sent the update again; it was downloaded again
    expect(
      await channel.inject({ text: 'look', platformMessageId: 'p1', attachments: [first] }),
    ).toEqual({ duplicate: false });
    expect(
      await channel.inject({ text: 'look', platformMessageId: 'p1', attachments: [again] }),
    ).toEqual({ duplicate: true });
    expect(existsSync(first.path)).toBe(true);
    expect(existsSync(again.path)).toBe(false);
    await bridge.drain();
  });

  it('stores a message the handler passes over as ids only, at once, and runs no turn for it', async () => {
    const dataDir = tempDir();
    const files = createWorkspaceFiles(dataDir);
    const channel = new TestChannel();
    let release!: () => void;
    const busy = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    const bridge = new Bridge(
      freshInbox(),
      {
        passesOver: (message) => message.chatType === 'group' && !message.mentionsBot,
        handle: async (turn) => {
          handled.push(turn.message.text);
          await busy;
          return { text: 'ok' };
        },
      },
      silent,
      { discardFiles: (paths) => removeInboundFiles(dataDir, paths) },
    );
    await channel.start(bridge.register(channel));
    await bridge.recover();
    const group = { chatType: 'group' as const, conversationId: 'g', sender: { id: 'u2' } };
    await channel.inject({ ...group, text: '@bot busy question', mentionsBot: true });
    await until(() => handled.length === 1);
    const path = await files.saveInbound('test:bot:g', 'cat.jpg', Buffer.from('jpeg'));
    const chatter = { ...group, text: 'just chatting', platformMessageId: 'chat-1' };
    await channel.inject({ ...chatter, attachments: [{ kind: 'image', path }] });
    // Stored already as ids only, though the conversation's lane is still busy.
    const again = await bridge.inbox.accept({ ...dmFrom('x', 'chat-1') }, 'test:bot:g');
    expect(again.duplicate).toBe(true);
    expect(again.entry).toMatchObject({ state: 'done', message: { text: '', attachments: [] } });
    expect(existsSync(path)).toBe(false);
    release();
    await channel.waitForDeliveries(1, 3000);
    await bridge.drain();
    expect(handled).toEqual(['@bot busy question']);
    expect(channel.texts()).toEqual(['ok']);
  });
});
