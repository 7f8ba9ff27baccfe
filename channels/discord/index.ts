/**
 * The Discord channel as one module: its config section, the adapter (discord.js
 * is imported only when the channel runs) and what `parley doctor` asks the REST
 * API (GET /users/@me).
 */
import type { ChannelModule } from '../../core/module.js';
import { checkCredentials, missingToken } from '../shared/probe.js';
import { discordSchema } from './config.js';

export const discord: ChannelModule<typeof discordSchema> = {
  id: 'discord',
  description: 'Discord bot (gateway, slash commands, buttons)',
  config: discordSchema,
  enabled: (config) => config.enabled,

  async create(ctx) {
    const { DiscordChannel } = await import('./adapter.js');
    const { enabled: _enabled, ...options } = ctx.config;
    return new DiscordChannel({ ...options, files: ctx.files }, ctx.log);
  },

  async probe(config, { signal }) {
    if (!config.token)
      return missingToken(
        'Set DISCORD_BOT_TOKEN (channels.discord.token) from the Developer Portal → Bot → Reset Token.',
      );
    const root = (config.apiRoot ?? 'https://discord.com/api').replace(/\/$/, '');
    return checkCredentials(
      {
        url: `${root}/v10/users/@me`,
        headers: { authorization: `Bot ${config.token}` },
        read: (status, body) => {
          if (status !== 200)
            throw new Error(`GET /users/@me: HTTP ${status} ${String(body.message ?? '')}`);
          return `bot ${String(body.username ?? '')}`;
        },
        fix: 'Discord refused the token: Developer Portal → your application → Bot → Reset Token, and put it in DISCORD_BOT_TOKEN.',
      },
      signal,
    );
  },
};
