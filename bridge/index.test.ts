import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NetworkError, PlatformError } from '../core/errors.js';
import { openDatabase } from '../sessions/db.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { tempDir } from '../test/harness.js';
import { Bridge, type MessageHandler } from './index.js';

const silent = pino({ level: 'silent' });
const echo: MessageHandler = { handle: async (turn) => ({ text: `re: ${turn.message.text}` }) };

describe('Bridge', () => {
  it('resumes a frozen reply after a restart from the first unsent chunk, without a new turn', async () => {
    const path = join(tempDir(), 'parley.db');
    const db = openDatabase(path);
    const first = new Bridge(db, echo, silent);
    const { entry } = first.inbox.accept(
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
    first.inbox.setReply(entry.id, {
      chunks: ['part one', 'part two'],
      sent: 1,
      messageIds: ['1'],
    });
    db.close();

    let turns = 0;
    const channel = new TestChannel();
    const bridge = new Bridge(
      openDatabase(path),
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
    expect(bridge.inbox.get(entry.id)!.state).toBe('done');
  });

  it('re-runs an interrupted turn, then answers with an apology once runs keep being interrupted', async () => {
    const path = join(tempDir(), 'parley.db');
    const runs: boolean[] = [];
    const start = async () => {
      const channel = new TestChannel();
      const bridge = new Bridge(
        openDatabase(path),
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
    const bridge = new Bridge(openDatabase(join(tempDir(), 'parley.db')), echo, silent, {
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
    const bridge = new Bridge(openDatabase(join(tempDir(), 'parley.db')), echo, silent, {
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
    expect(bridge.inbox.counts().failed).toBe(1);
  });

  it('answers with an apology when the handler throws, once', async () => {
    const channel = new TestChannel();
    const bridge = new Bridge(
      openDatabase(join(tempDir(), 'parley.db')),
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
});
