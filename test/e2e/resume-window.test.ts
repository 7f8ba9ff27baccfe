/**
 * The one window exactly-once rests on the platform for (docs/scale-out.md): a process
 * died after the platform accepted a reply piece and before the inbox recorded it.
 * Each case replays it with the real adapter against its platform double and a real
 * SQLite inbox: the dead process sent piece 0 with its delivery key and recorded
 * nothing; a new Bridge recovers the row, resumes at piece 0, and the user sees each
 * piece once where the platform can recognise it (Discord's nonce, Slack's metadata),
 * and piece 0 twice on Telegram, whose Bot API cannot.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../../bridge/index.js';
import { deliveryKey } from '../../bridge/outbound/delivery-key.js';
import { discordRig } from '../../channels/discord/testing.js';
import { SlackChannel } from '../../channels/slack/adapter.js';
import { TelegramChannel } from '../../channels/telegram/adapter.js';
import type { ChannelAdapter, InboundMessage } from '../../core/contract.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { createWorkspaceFiles } from '../../sessions/workspace/index.js';
import { startSlackDouble } from '../doubles/slack.js';
import { startTelegramDouble, TEST_BOT, TEST_TOKEN } from '../doubles/telegram.js';
import { tempDir } from '../harness.js';

const silent = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Dies between the platform's answer and the record, then restarts; returns nothing. */
async function crashAfterFirstPiece(adapter: ChannelAdapter, conversationId: string) {
  const path = join(tempDir(), 'parley.db');
  const message: InboundMessage = {
    channel: adapter.id,
    account: 'default',
    conversationId,
    sender: { id: 'u1' },
    chatType: 'dm',
    mentionsBot: false,
    repliesToBot: false,
    text: 'q',
    attachments: [],
    platformMessageId: 'p1',
    timestamp: 0,
  };
  const dead = openSqliteStores(path);
  const { entry } = await dead.inbox.accept(message, `${adapter.id}:default:${conversationId}`);
  await dead.inbox.setReply(entry.id, {
    chunks: ['piece one', 'piece two'],
    sent: 0,
    messageIds: [],
  });
  const format = adapter.capabilities.format;
  await adapter.send(
    { account: 'default', conversationId, chatType: 'dm' },
    { text: 'piece one', format, delivery: deliveryKey(entry, 0, false) },
  );
  await dead.close(); // SIGKILL: the send was never recorded
  const stores = openSqliteStores(path);
  const bridge = new Bridge(
    stores.inbox,
    { handle: async () => ({ text: 'a new turn must not run' }) },
    silent,
  );
  bridge.register(adapter);
  expect(await bridge.recover()).toBe(1);
  await bridge.drain();
  expect((await stores.inbox.get(entry.id))!.state).toBe('done');
  cleanups.push(async () => {
    await bridge.stop();
    await stores.close();
  });
}

describe('the send window after a crash', () => {
  it('Discord: the resumed piece carries the same nonce, and Discord returns the first copy', async () => {
    const rig = await discordRig();
    cleanups.push(() => rig.close());
    await crashAfterFirstPiece(rig.adapter, '1100000000000000700');
    expect(rig.double.messages.map((m) => m.content)).toEqual(['piece one', 'piece two']);
    expect(rig.double.nonceRepeats).toHaveLength(1);
  });

  it('Slack: the resumed piece is found by its metadata and not posted again', async () => {
    const slack = await startSlackDouble();
    cleanups.push(() => slack.close());
    const adapter = new SlackChannel(
      {
        botToken: 'xoxb-resume',
        apiUrl: slack.apiUrl,
        eventsPath: '/slack/events',
        minIntervalMs: 0,
      },
      { http: undefined, log: silent },
    );
    await crashAfterFirstPiece(adapter, 'D0ALICE01');
    expect(slack.posts.map((p) => p.text)).toEqual(['piece one', 'piece two']);
    expect(slack.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(1);
  });

  it('Telegram: no idempotency key in the Bot API, so the resumed piece arrives twice', async () => {
    const telegram = await startTelegramDouble();
    cleanups.push(() => telegram.close());
    const adapter = new TelegramChannel({
      token: TEST_TOKEN,
      apiRoot: telegram.apiRoot,
      botInfo: TEST_BOT,
      files: createWorkspaceFiles(tempDir()),
      rateLimits: {},
      log: silent,
    });
    await crashAfterFirstPiece(adapter, '42');
    expect(telegram.sent.map((m) => m.text)).toEqual(['piece one', 'piece one', 'piece two']);
  });
});
