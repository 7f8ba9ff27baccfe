/**
 * Config section `web`: Parley's one HTTP server (web chat, admin console, webhooks,
 * health and metrics), where it binds and the access token of the web chat and
 * admin API. It is a top-level section (not under `channels:`) because everything
 * served over HTTP depends on it, not only the web chat.
 */
import { z } from 'zod';

export const webSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the web chat and admin pages.'),
    host: z
      .string()
      .default('127.0.0.1')
      .meta({ env: 'PARLEY_WEB_HOST' })
      .describe('Bind address. Keep loopback unless a reverse proxy with TLS is in front.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8787)
      .meta({ env: 'PARLEY_WEB_PORT' })
      .describe('HTTP port (0 picks a free one).'),
    publicOrigin: z
      .url()
      .refine(
        (value) => /^https?:\/\/[^/?#]+\/?$/.test(value),
        'an origin like https://parley.example.com (no path)',
      )
      .optional()
      .meta({ env: 'PARLEY_WEB_PUBLIC_ORIGIN', example: 'https://parley.example.com' })
      .describe(
        'The address people open when Parley is behind a reverse proxy (scheme://host[:port]): browsers sending it as Origin may open the WebSocket and change state, and the printed URLs use it.',
      ),
    token: z
      .string()
      .min(16)
      .optional()
      .meta({ env: 'PARLEY_WEB_TOKEN', secret: true })
      .describe(
        'Access token for the web chat and admin API; generated and stored in the database when unset.',
      ),
  })
  .strict()
  .prefault({});

export type WebConfig = z.output<typeof webSchema>;
