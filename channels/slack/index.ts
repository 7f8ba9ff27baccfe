/**
 * The Slack channel as one module: its config section, the adapter (Bolt is
 * imported only when the channel runs; Socket Mode with an app token, else HTTP
 * events on Parley's server) and what `parley doctor` asks the Web API (auth.test).
 */
import type { ChannelModule } from '../../core/module.js';
import { checkCredentials, missingToken } from '../shared/probe.js';
import { slackSchema } from './config.js';

export const slack: ChannelModule<typeof slackSchema> = {
  id: 'slack',
  description: 'Slack app (Socket Mode or HTTP events)',
  config: slackSchema,
  enabled: (config) => config.enabled,

  async create(ctx) {
    const { SlackChannel } = await import('./adapter.js');
    const { botToken, appToken, signingSecret, apiUrl, eventsPath, minIntervalMs } = ctx.config;
    const { streaming, slashCommand } = ctx.config;
    const { maxFileMb, fileTimeoutMs } = ctx.config;
    if (!botToken) throw new Error('channels.slack.botToken is not set');
    return new SlackChannel(
      {
        botToken,
        eventsPath,
        minIntervalMs,
        streaming,
        slashCommand,
        commands: ctx.commands.map((command) => command.name),
        ...(appToken ? { appToken } : {}),
        ...(signingSecret ? { signingSecret } : {}),
        ...(apiUrl ? { apiUrl } : {}),
      },
      { http: ctx.http, log: ctx.log, files: ctx.files, maxFileMb, fileTimeoutMs },
    );
  },

  async probe(config, { signal }) {
    if (!config.botToken)
      return missingToken(
        'Set SLACK_BOT_TOKEN (channels.slack.botToken) to the xoxb-… token from OAuth & Permissions.',
      );
    return checkCredentials(
      {
        url: `${(config.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/')}auth.test`,
        method: 'POST',
        headers: { authorization: `Bearer ${config.botToken}` },
        read: (status, body) => {
          if (status !== 200 || body.ok !== true)
            throw new Error(`auth.test: ${String(body.error ?? `HTTP ${status}`)}`);
          return `bot ${String(body.user ?? '')} in ${String(body.team ?? '')}`;
        },
        fix: 'Slack refused the bot token: reinstall the app to the workspace and copy the xoxb-… token into SLACK_BOT_TOKEN.',
      },
      signal,
    );
  },
};
