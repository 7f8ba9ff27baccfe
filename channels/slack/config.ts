/**
 * Config section `channels.slack`: the bot token and either Socket Mode (app token)
 * or HTTP events (signing secret), plus per-channel pacing.
 * The channel is off until `enabled: true`. Keys with `.meta({ env })` can be set
 * from the environment; `secret: true` values are redacted wherever Parley prints.
 */
import { z } from 'zod';

export const slackSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Slack channel.'),
    botToken: z
      .string()
      .optional()
      .meta({ env: 'SLACK_BOT_TOKEN', secret: true })
      .describe('Bot token (xoxb-…).'),
    appToken: z
      .string()
      .optional()
      .meta({ env: 'SLACK_APP_TOKEN', secret: true })
      .describe(
        'App-level token (xapp-…): when set, Slack connects over Socket Mode (no public URL).',
      ),
    signingSecret: z
      .string()
      .optional()
      .meta({ env: 'SLACK_SIGNING_SECRET', secret: true })
      .describe(
        'Signing secret for HTTP events mode (events and buttons POSTed to eventsPath on the web server).',
      ),
    eventsPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_-]*$/, 'expected a path like /slack/events')
      .default('/slack/events')
      .describe('Request URL path for Event Subscriptions and Interactivity in HTTP mode.'),
    apiUrl: z
      .string()
      .url()
      .optional()
      .describe('Slack Web API base URL (default https://slack.com/api/; for a test double).'),
    maxFileMb: z
      .number()
      .min(0)
      .default(20)
      .describe(
        'Files shared with the bot are downloaded (bot token, scope files:read) up to this size; images go to the model, others to the workspace. 0: never.',
      ),
    fileTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(2000)
      .describe(
        'Time the downloads of one message may take before the event is acknowledged (Slack wants an answer within 3 s); a file not fetched by then stays a reference.',
      ),
    minIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe('Minimum milliseconds between two messages in one Slack channel (Slack: ~1/s).'),
    streaming: z
      .enum(['edit', 'none'])
      .default('edit')
      .describe(
        'Show the answer while it is written by editing a draft (edit: the sign that Parley is working, since Slack bots have no typing indicator), or send it at the end (none).',
      ),
    slashCommand: z
      .string()
      .regex(/^\/[a-z0-9_-]{1,31}$/, 'a slash command like /parley')
      .default('/parley')
      .describe(
        'Slash command to create in the Slack app (Slack swallows messages starting with "/"): `/parley reset`, `/parley status`, `/parley <question>`.',
      ),
  })
  .strict()
  .superRefine((slack, ctx) => {
    if (!slack.enabled) return;
    if (!slack.botToken)
      ctx.addIssue({
        code: 'custom',
        path: ['botToken'],
        message: 'the bot token (xoxb-…) from OAuth & Permissions; set SLACK_BOT_TOKEN',
      });
    if (!slack.appToken && !slack.signingSecret)
      ctx.addIssue({
        code: 'custom',
        path: ['signingSecret'],
        message:
          'appToken (Socket Mode, SLACK_APP_TOKEN) or signingSecret (HTTP events, SLACK_SIGNING_SECRET)',
      });
  });

export type SlackConfig = z.output<typeof slackSchema>;
