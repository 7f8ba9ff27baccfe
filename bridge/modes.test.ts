/**
 * Queue modes and debounce through the real bridge on a real SQLite inbox: what a
 * message does while its conversation's turn runs (followup, collect, interrupt), a
 * burst that becomes one turn, and crashes around the freeze of a merged turn.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { tempDir } from '../test/harness.js';
import { until } from '../test/wait.js';
import type { QueueConfig } from './config.js';
import { Bridge, type MessageHandler, type Turn } from './index.js';
import { QueueModes } from './modes.js';

const silent = pino({ level: 'silent' });
const KEY = 'test:bot:user-1';

type Modes = Pick<QueueConfig, 'mode' | 'debounceMs' | 'channels'>;
const modesOf = (modes: Partial<Modes>, meta?: ReturnType<typeof openSqliteStores>['meta']) =>
  new QueueModes({ mode: 'followup', debounceMs: 0, channels: {}, ...modes }, meta);

/** A handler whose turns wait for `release()`; records each turn's input. */
function gatedHandler() {
  const inputs: string[] = [];
  const gates: (() => void)[] = [];
  const handler: MessageHandler = {
    standalone: (message) => message.text.startsWith('/'),
    handle: async (turn: Turn) => {
      inputs.push(turn.message.text);
      await new Promise<void>((resolve) => gates.push(resolve));
      return { text: `re: ${turn.message.text}` };
    },
  };
  const release = async () => {
    await until(() => gates.length > 0, 3000, { what: 'a running turn' });
    gates.shift()!();
  };
  return { handler, inputs, release };
}

/** A handler that behaves like the router under `interrupt`: the abort rejects the turn. */
function abortableHandler() {
  const inputs: string[] = [];
  const running = new Map<string, AbortController>();
  let interrupts = 0;
  const handler: MessageHandler = {
    interrupt: (key) => {
      const controller = running.get(key);
      if (!controller) return false;
      interrupts++;
      controller.abort(new Error('interrupted'));
      return true;
    },
    handle: async (turn) => {
      inputs.push(turn.message.text);
      const controller = new AbortController();
      running.set(turn.conversationKey, controller);
      try {
        await new Promise<void>((resolve, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
          if (turn.message.text.includes('quick')) resolve();
        });
        return { text: `re: ${turn.message.text}` };
      } finally {
        running.delete(turn.conversationKey);
      }
    },
  };
  return { handler, inputs, interrupts: () => interrupts };
}

async function started(handler: MessageHandler, modes: QueueModes, path?: string) {
  const stores = openSqliteStores(path ?? join(tempDir(), 'parley.db'));
  const channel = new TestChannel();
  const bridge = new Bridge(stores.inbox, handler, silent, { modes });
  await channel.start(bridge.register(channel));
  await bridge.recover();
  return { stores, channel, bridge };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('queue mode followup', () => {
  it('answers each message that waited behind a running turn with its own turn', async () => {
    const { handler, inputs, release } = gatedHandler();
    const { channel, bridge } = await started(handler, modesOf({}));
    await channel.inject({ text: 'a' });
    await until(() => inputs.length === 1);
    await channel.inject({ text: 'b' });
    await channel.inject({ text: 'c' });
    for (let i = 0; i < 3; i++) await release();
    await bridge.drain();
    expect(inputs).toEqual(['a', 'b', 'c']);
    expect(channel.texts()).toEqual(['re: a', 're: b', 're: c']);
  });

  it('keeps arrival order when a message waits for its mode lookup and the command after it needs none', async () => {
    const { handler, inputs, release } = gatedHandler();
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const slowMeta = {
      ...stores.meta,
      get: async (key: string) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return stores.meta.get(key);
      },
    };
    const { channel, bridge } = await started(handler, modesOf({}, slowMeta as typeof stores.meta));
    await Promise.all([channel.inject({ text: 'a' }), channel.inject({ text: '/status' })]);
    for (let i = 0; i < 2; i++) await release();
    await bridge.drain();
    expect(inputs).toEqual(['a', '/status']);
  });
});

describe('queue mode collect', () => {
  it('makes the messages that arrived during a turn one next turn, frozen on the last row', async () => {
    const { handler, inputs, release } = gatedHandler();
    const { stores, channel, bridge } = await started(handler, modesOf({ mode: 'collect' }));
    await channel.inject({ text: 'a' });
    await until(() => inputs.length === 1);
    await channel.inject({ text: 'b', quoteId: 'b-id' });
    await channel.inject({ text: 'c', quoteId: 'c-id' });
    await release();
    await release();
    await bridge.drain();
    expect(inputs).toEqual(['a', 'b\nc']);
    expect(channel.texts()).toEqual(['re: a', 're: b\nc']);
    const rows = await stores.inbox.reclaim();
    expect(rows).toEqual([]);
    expect(await stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0, done: 3 });
    // The holder (c) keeps the reply; b is done without one.
    const [b, c] = [await stores.inbox.get(2), await stores.inbox.get(3)];
    expect(c!.reply!.chunks).toEqual(['re: b\nc']);
    expect(b!.reply).toBeUndefined();
    expect(b!.message.text).toBe('');
  });

  it('never merges a command or another sender into the batch', async () => {
    const { handler, inputs, release } = gatedHandler();
    const { channel, bridge } = await started(handler, modesOf({ mode: 'collect' }));
    const group = { conversationId: 'g', chatType: 'group' as const };
    await channel.inject({ text: 'a', ...group });
    await until(() => inputs.length === 1);
    await channel.inject({ text: 'b', ...group });
    await channel.inject({ text: '/status', ...group });
    await channel.inject({ text: 'c', ...group });
    await channel.inject({ text: 'd', ...group, sender: { id: 'other' }, quoteId: 'd-id' });
    await channel.inject({ text: 'e', ...group, sender: { id: 'other' }, quoteId: 'e-id' });
    for (let turn = 0; turn < 5; turn++) await release();
    await bridge.drain();
    expect(inputs).toEqual(['a', 'b', '/status', 'c', 'd\ne']);
    // A batch's reply answers (quotes, in a group) its last message.
    expect(channel.delivered.at(-1)!.target.replyToMessageId).toBe('e-id');
  });

  it('after a crash before the freeze, runs the merged turn again; after it, only delivers', async () => {
    const path = join(tempDir(), 'parley.db');
    let releaseA!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    // a runs; b and c wait; b+c run merged and the process "dies" inside that turn.
    const hang: MessageHandler = {
      handle: async (turn) => {
        if (turn.message.text !== 'a') return new Promise(() => {});
        await gate;
        return { text: 're: a' };
      },
    };
    const first = await started(hang, modesOf({ mode: 'collect' }), path);
    await first.channel.inject({ text: 'a' });
    await first.channel.inject({ text: 'b' });
    await first.channel.inject({ text: 'c' });
    releaseA();
    await first.channel.waitForDeliveries(1, 3000);
    await until(async () => (await first.stores.inbox.get(3))!.attempts === 1);

    const inputs: string[] = [];
    const second = await started(
      {
        handle: async (turn) => {
          inputs.push(turn.message.text);
          return { text: `re: ${turn.message.text}` };
        },
      },
      modesOf({ mode: 'collect' }),
      path,
    );
    await second.bridge.drain();
    expect(inputs).toEqual(['b\nc']);
    expect(second.channel.texts()).toEqual(['re: b\nc']);
    expect(await second.stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0 });

    // A crash after the freeze: the reply is delivered and no turn runs again.
    const d = await second.stores.inbox.accept(
      { ...(await second.stores.inbox.get(3))!.message, text: 'd', platformMessageId: 'd' },
      KEY,
    );
    const e = await second.stores.inbox.accept(
      { ...d.entry.message, text: 'e', platformMessageId: 'e' },
      KEY,
    );
    await second.stores.inbox.setReply(
      e.entry.id,
      { chunks: ['re: d\ne'], sent: 0, messageIds: [] },
      undefined,
      [d.entry.id],
    );
    const third = await started(
      {
        handle: async () => {
          throw new Error('no turn may run');
        },
      },
      modesOf({ mode: 'collect' }),
      path,
    );
    await third.bridge.drain();
    expect(third.channel.texts()).toEqual(['re: d\ne']);
    expect((await third.stores.inbox.get(d.entry.id))!.state).toBe('done');
    expect((await third.stores.inbox.get(e.entry.id))!.state).toBe('done');
  });
});

describe('queue mode interrupt', () => {
  it('aborts the running turn and answers both messages in the next one, without counting an attempt', async () => {
    const { handler, inputs, interrupts } = abortableHandler();
    const { stores, channel, bridge } = await started(handler, modesOf({ mode: 'interrupt' }));
    await channel.inject({ text: 'slow a' });
    await until(() => inputs.length === 1);
    await channel.inject({ text: 'slow b' });
    await until(() => inputs.length === 2);
    await channel.inject({ text: 'quick c' });
    await bridge.drain();
    expect(interrupts()).toBe(2);
    expect(inputs).toEqual(['slow a', 'slow a\nslow b', 'slow a\nslow b\nquick c']);
    expect(channel.texts()).toEqual(['re: slow a\nslow b\nquick c']);
    // Three runs of row 1, two of them interrupted: only the last one counts.
    expect((await stores.inbox.get(1))!.attempts).toBe(1);
    expect(await stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0, done: 3 });
  });

  it('with a debounce too, the interrupting message joins the interrupted turn at once', async () => {
    const { handler, inputs, interrupts } = abortableHandler();
    const modes = modesOf({ mode: 'interrupt', debounceMs: 200 });
    const { channel, bridge } = await started(handler, modes);
    await channel.inject({ text: 'slow a' });
    await until(() => inputs.length === 1);
    await channel.inject({ text: 'quick b' });
    await bridge.drain();
    expect(interrupts()).toBe(1);
    expect(inputs).toEqual(['slow a', 'slow a\nquick b']);
    expect(channel.texts()).toEqual(['re: slow a\nquick b']);
  });

  it('delivers a reply that is already frozen, then answers the new message', async () => {
    const { handler, inputs, interrupts } = abortableHandler();
    const { channel, bridge } = await started(handler, modesOf({ mode: 'interrupt' }));
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const send = channel.send.bind(channel);
    let first = true;
    channel.send = async (target, message) => {
      if (first) {
        first = false;
        await blocked;
      }
      return send(target, message);
    };
    await channel.inject({ text: 'quick a' });
    await until(() => inputs.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the reply is frozen, sending
    await channel.inject({ text: 'quick b' });
    unblock();
    await bridge.drain();
    expect(interrupts()).toBe(0);
    expect(channel.texts()).toEqual(['re: quick a', 're: quick b']);
  });
});

describe('debounce', () => {
  it('starts a turn only after debounceMs without a new message; the burst is one turn', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const inputs: string[] = [];
    const handler: MessageHandler = {
      handle: async (turn) => {
        inputs.push(turn.message.text);
        return { text: `re: ${turn.message.text}` };
      },
    };
    const { channel, bridge } = await started(handler, modesOf({ debounceMs: 500 }));
    await channel.inject({ text: 'one' });
    await vi.advanceTimersByTimeAsync(400);
    await channel.inject({ text: 'two' });
    await vi.advanceTimersByTimeAsync(400);
    await channel.inject({ text: 'three' });
    await vi.advanceTimersByTimeAsync(499);
    expect(inputs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await bridge.drain();
    expect(inputs).toEqual(['one\ntwo\nthree']);
    expect(channel.texts()).toEqual(['re: one\ntwo\nthree']);
    expect(await bridge.inbox.counts()).toMatchObject({ pending: 0, done: 3 });
  });

  it('takes the per-channel debounce, and a lone message with debounceMs 0 is not delayed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const inputs: string[] = [];
    const modes = modesOf({ channels: { other: { debounceMs: 500 } } });
    const { channel, bridge } = await started(
      {
        handle: async (turn) => {
          inputs.push(turn.message.text);
          return { text: 'ok' };
        },
      },
      modes,
    );
    await channel.inject({ text: 'now' });
    await vi.advanceTimersByTimeAsync(0);
    expect(inputs).toEqual(['now']);
    await bridge.drain();
  });
});

describe('QueueModes', () => {
  it('uses the conversation choice, else the channel override, else the default', async () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const modes = modesOf(
      {
        mode: 'followup',
        debounceMs: 0,
        channels: { telegram: { mode: 'collect', debounceMs: 500 } },
      },
      stores.meta,
    );
    expect(await modes.of('web:x', 'web')).toEqual({ mode: 'followup', debounceMs: 0 });
    expect(await modes.of('telegram:x', 'telegram')).toEqual({ mode: 'collect', debounceMs: 500 });
    await modes.choose('telegram:x', 'interrupt');
    expect(await modes.of('telegram:x', 'telegram')).toEqual({
      mode: 'interrupt',
      debounceMs: 500,
    });
    await modes.choose('telegram:x', undefined);
    expect((await modes.of('telegram:x', 'telegram')).mode).toBe('collect');
    await stores.meta.set('queue:telegram:x', 'bogus');
    expect((await modes.of('telegram:x', 'telegram')).mode).toBe('collect');
    await stores.close();
  });
});
