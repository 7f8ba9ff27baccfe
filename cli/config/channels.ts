/**
 * Config sections of the messenger channels. Each channel owns one schema here; a
 * channel is off until its section sets `enabled: true` (or its token is given).
 */
import { z } from 'zod';

export const telegramSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Telegram channel.'),
    token: z.string().optional().describe('Bot token from @BotFather. Env: TELEGRAM_BOT_TOKEN.'),
    apiRoot: z
      .string()
      .url()
      .optional()
      .describe('Bot API root (for a local Bot API server or a test double).'),
  })
  .passthrough();

export const whatsappSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Run the WhatsApp channel (pair with `parley channels login whatsapp`).'),
  })
  .passthrough();

export const discordSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Discord channel.'),
    token: z
      .string()
      .optional()
      .describe('Bot token from the Discord Developer Portal. Env: DISCORD_BOT_TOKEN.'),
  })
  .passthrough();

export const slackSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Slack channel.'),
    botToken: z.string().optional().describe('Bot token (xoxb-…). Env: SLACK_BOT_TOKEN.'),
    appToken: z
      .string()
      .optional()
      .describe('App-level token (xapp-…) for Socket Mode. Env: SLACK_APP_TOKEN.'),
    signingSecret: z
      .string()
      .optional()
      .describe('Signing secret for HTTP events mode. Env: SLACK_SIGNING_SECRET.'),
  })
  .passthrough();

export const channelsSchema = z
  .object({
    telegram: telegramSchema.optional(),
    whatsapp: whatsappSchema.optional(),
    discord: discordSchema.optional(),
    slack: slackSchema.optional(),
  })
  .strict()
  .default({});
