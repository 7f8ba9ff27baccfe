/**
 * Config section `channels.discord`: the bot token, streaming by draft edits, threads
 * and where the slash commands are registered.
 * The channel is off until `enabled: true`. Keys with `.meta({ env })` can be set
 * from the environment; `secret: true` values are redacted wherever Parley prints.
 */
import { z } from 'zod';

export const discordSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Discord channel.'),
    token: z
      .string()
      .optional()
      .meta({ env: 'DISCORD_BOT_TOKEN', secret: true })
      .describe('Bot token (Developer Portal → your application → Bot → Reset Token).'),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, "_" or "-"')
      .default('default')
      .describe('Name of this bot account in conversation keys and sessions.'),
    apiRoot: z
      .string()
      .url()
      .optional()
      .describe(
        'REST API root without the version (default https://discord.com/api), for a proxy or a test double; the gateway URL is fetched from it.',
      ),
    streaming: z
      .enum(['edit', 'none'])
      .default('edit')
      .describe(
        'Show the answer while it is written by editing a draft (edit), or send it at the end (none).',
      ),
    startThreads: z
      .boolean()
      .default(false)
      .describe(
        'When mentioned in a server channel, open a thread on that message and answer there (each thread is its own session).',
      ),
    registerCommands: z
      .boolean()
      .default(true)
      .describe('Register the slash commands /ask, /reset and /status at startup.'),
    commandGuildId: z
      .string()
      .regex(/^\d+$/, 'a server (guild) id')
      .optional()
      .meta({ env: 'DISCORD_GUILD_ID' })
      .describe(
        'Register the slash commands in this server only (they appear at once) instead of globally.',
      ),
    applicationId: z
      .string()
      .regex(/^\d+$/, 'an application id')
      .optional()
      .meta({ env: 'DISCORD_APPLICATION_ID' })
      .describe('Application id for the slash commands (default: learnt at login).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(15_000)
      .describe('Timeout of one REST request to Discord (ms).'),
    maxFileMb: z
      .number()
      .min(0)
      .default(25)
      .describe(
        'Attachments are downloaded from the CDN up to this size (Discord allows 10 MB without Nitro boosts); images go to the model, others to the workspace. 0: never.',
      ),
    fileTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(15_000)
      .describe('Time the attachment downloads of one message may take.'),
  })
  .strict();

export type DiscordConfig = z.output<typeof discordSchema>;
