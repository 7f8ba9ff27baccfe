/**
 * The shared channel contract, run against the Discord adapter logged in to the
 * Discord API double; events are injected as gateway dispatches of the captured
 * payloads in fixtures/.
 */
import pino from 'pino';
import { channelContract, type InjectKind } from '../../test/contract/channel.js';
import { startDiscordDouble } from '../../test/doubles/discord.js';
import { DiscordChannel } from './adapter.js';
import { fixture, ids, type MessageKind, messagePayload } from './fixtures/index.js';

const kinds: Record<InjectKind, MessageKind> = {
  dm: 'dm',
  groupMention: 'mention',
  groupPlain: 'plain',
  threadReply: 'thread',
};

channelContract('discord', {
  setup: async () => {
    const double = await startDiscordDouble({
      ready: fixture('ready'),
      guilds: [fixture('guild-create')],
    });
    const adapter = new DiscordChannel(
      { token: 'test-bot-token', apiRoot: double.apiRoot, registerCommands: false },
      pino({ level: 'silent' }),
    );
    return {
      adapter,
      inject: async (kind, text) =>
        double.dispatch('MESSAGE_CREATE', messagePayload(kinds[kind], text)),
      sent: () => double.messages.map((m) => ({ conversationId: m.channelId, text: m.content })),
      edited: () => new Map(double.messages.map((m) => [m.id, m.content])),
      fail429Once: (retryAfter) => double.failures.push({ status: 429, retryAfter }),
      target: { account: 'default', conversationId: ids.dmChannel, chatType: 'dm' },
      teardown: () => double.close(),
    };
  },
});
