/**
 * Which messenger channels run, built from config. Each channel adds its one
 * constructor call here; the web chat and terminal are wired in app.ts. Channel
 * modules are imported only when enabled, so a Parley without Slack never loads
 * Bolt (start-up time and memory stay small).
 */

import { commands } from '../agent/commands.js';
import type { ChannelAdapter } from '../core/contract.js';
import type { AppContext } from './context.js';

export async function createMessengerChannels(context: AppContext): Promise<ChannelAdapter[]> {
  const channels: ChannelAdapter[] = [];
  const slack = context.config.channels.slack;
  if (slack?.enabled && slack.botToken) {
    const { SlackChannel } = await import('../channels/slack/adapter.js');
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
        { http: context.http?.app, log: context.log.child({ channel: 'slack' }) },
      ),
    );
  }
  const telegram = context.config.channels.telegram;
  if (telegram?.enabled && telegram.token) {
    const { TelegramChannel } = await import('../channels/telegram/adapter.js');
    const log = context.log.child({ channel: 'telegram' });
    channels.push(
      new TelegramChannel({
        token: telegram.token,
        account: telegram.account,
        ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}),
        ...(telegram.webhook ? { webhook: telegram.webhook } : {}),
        ...(context.http ? { http: context.http.app } : {}),
        pollingTimeoutSeconds: telegram.pollingTimeoutSeconds,
        maxFileBytes: telegram.maxFileMB * 1024 * 1024,
        apiRetry: telegram.apiRetry,
        dataDir: context.config.dataDir,
        commands: commands.map((c) => ({ command: c.name, description: c.description })),
        onMigrate: (from, to) => {
          context.sessions.moveConversation('telegram', from, to).then(
            (moved) => log.info({ from, to, moved }, 'telegram group migrated to a supergroup'),
            (error: unknown) =>
              log.error({ err: error, from, to }, 'moving a migrated group failed'),
          );
        },
        log,
      }),
    );
  }
  const whatsapp = context.config.channels.whatsapp;
  if (whatsapp?.enabled) {
    const { WhatsAppChannel } = await import('../channels/whatsapp/adapter.js');
    const { registerPairingRoute } = await import('../channels/whatsapp/routes.js');
    const channel = new WhatsAppChannel({
      config: whatsapp,
      dataDir: context.config.dataDir,
      authStore: context.stores.authState(`whatsapp:${whatsapp.account}`),
      log: context.log,
      ...(context.whatsappSocketFactory ? { socketFactory: context.whatsappSocketFactory } : {}),
    });
    if (context.http) registerPairingRoute(context.http.app, channel);
    channels.push(channel);
  }
  const discord = context.config.channels.discord;
  if (discord?.enabled) {
    const { DiscordChannel } = await import('../channels/discord/adapter.js');
    const { enabled: _enabled, ...options } = discord;
    channels.push(new DiscordChannel(options, context.log.child({ channel: 'discord' })));
  }
  return channels;
}
