/**
 * Which messenger channels run, built from config. Each channel adds its one
 * constructor call here; the web chat and terminal are wired in app.ts.
 */

import { commands } from '../agent/commands.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { DiscordChannel } from '../channels/discord/adapter.js';
import { SlackChannel } from '../channels/slack/adapter.js';
import { TelegramChannel } from '../channels/telegram/adapter.js';
import { WhatsAppChannel } from '../channels/whatsapp/adapter.js';
import { registerPairingRoute } from '../channels/whatsapp/routes.js';
import { AuthStateStore } from '../sessions/auth-state.js';
import type { AppContext } from './context.js';

export function createMessengerChannels(context: AppContext): ChannelAdapter[] {
  const channels: ChannelAdapter[] = [];
  const slack = context.config.channels.slack;
  if (slack?.enabled && slack.botToken) {
    const { botToken, appToken, signingSecret, apiUrl, eventsPath, minIntervalMs } = slack;
    channels.push(
      new SlackChannel(
        {
          botToken,
          eventsPath,
          minIntervalMs,
          ...(appToken ? { appToken } : {}),
          ...(signingSecret ? { signingSecret } : {}),
          ...(apiUrl ? { apiUrl } : {}),
        },
        { http: context.http, log: context.log.child({ channel: 'slack' }) },
      ),
    );
  }
  const telegram = context.config.channels.telegram;
  if (telegram?.enabled && telegram.token) {
    const log = context.log.child({ channel: 'telegram' });
    channels.push(
      new TelegramChannel({
        token: telegram.token,
        account: telegram.account,
        ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}),
        ...(telegram.webhook ? { webhook: telegram.webhook } : {}),
        ...(context.http ? { http: context.http } : {}),
        pollingTimeoutSeconds: telegram.pollingTimeoutSeconds,
        maxFileBytes: telegram.maxFileMB * 1024 * 1024,
        apiRetry: telegram.apiRetry,
        dataDir: context.config.dataDir,
        commands: commands.map((c) => ({ command: c.name, description: c.description })),
        onMigrate: (from, to) => {
          const moved = context.sessions.moveConversation('telegram', from, to);
          log.info({ from, to, moved }, 'telegram group migrated to a supergroup');
        },
        log,
      }),
    );
  }
  const whatsapp = context.config.channels.whatsapp;
  if (whatsapp?.enabled) {
    const channel = new WhatsAppChannel({
      config: whatsapp,
      dataDir: context.config.dataDir,
      authStore: new AuthStateStore(context.db, `whatsapp:${whatsapp.account}`),
      log: context.log,
      ...(context.whatsappSocketFactory ? { socketFactory: context.whatsappSocketFactory } : {}),
    });
    if (context.http) registerPairingRoute(context.http, channel);
    channels.push(channel);
  }
  const discord = context.config.channels.discord;
  if (discord?.enabled) {
    const { enabled: _enabled, ...options } = discord;
    channels.push(new DiscordChannel(options, context.log.child({ channel: 'discord' })));
  }
  void context;
  return channels;
}
