/**
 * The Telegram channel as one module: its config section, how `parley start` builds
 * the adapter (grammY is imported only then) and what `parley doctor` asks the Bot
 * API (getMe).
 */
import type { ChannelModule } from '../../core/module.js';
import { checkCredentials, missingToken } from '../shared/probe.js';
import { telegramSchema } from './config.js';

export const telegram: ChannelModule<typeof telegramSchema> = {
  id: 'telegram',
  description: 'Telegram bot (long polling or webhook)',
  config: telegramSchema,
  enabled: (config) => config.enabled,

  async create(ctx) {
    const { TelegramChannel } = await import('./adapter.js');
    const { config, log } = ctx;
    if (!config.token) throw new Error('channels.telegram.token is not set');
    return new TelegramChannel({
      token: config.token,
      account: config.account,
      ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}),
      ...(config.webhook ? { webhook: config.webhook } : {}),
      ...(ctx.http ? { http: ctx.http } : {}),
      pollingTimeoutSeconds: config.pollingTimeoutSeconds,
      maxFileBytes: config.maxFileMB * 1024 * 1024,
      apiRetry: config.apiRetry,
      files: ctx.files,
      commands: ctx.commands.map((c) => ({ command: c.name, description: c.description })),
      onMigrate: (from, to) => {
        const moved = ctx.stores.moveConversation('telegram', from, to);
        log.info({ from, to, moved }, 'telegram group migrated to a supergroup');
      },
      log,
    });
  },

  async probe(config, { signal }) {
    if (!config.token)
      return missingToken(
        'Set TELEGRAM_BOT_TOKEN (channels.telegram.token) to the token @BotFather gave you.',
      );
    const root = (config.apiRoot ?? 'https://api.telegram.org').replace(/\/$/, '');
    return checkCredentials(
      {
        url: `${root}/bot${config.token}/getMe`,
        read: (status, body) => {
          if (status !== 200 || body.ok !== true)
            throw new Error(`getMe: HTTP ${status} ${String(body.description ?? '')}`);
          return `bot @${String((body.result as { username?: string })?.username)}`;
        },
        fix: 'The token was refused: copy it again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN.',
      },
      signal,
    );
  },
};
