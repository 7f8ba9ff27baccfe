/**
 * Webhook mode: Telegram POSTs each update to a route on Parley's HTTP server.
 *
 *   POST <path> ─► secret check (constant time, 401) ─► JSON ─► bot.handleUpdate
 *              (normalize → media → await sink.accept) ─► 200
 *
 * The 200 goes out only once the update is in the durable inbox; any failure
 * before that answers 500 so Telegram delivers the update again (the inbox
 * deduplicates). A malformed body is answered 200 and dropped: retrying it would
 * not help. While the channel is stopped the route answers 503.
 */
import type { Update } from 'grammy/types';
import { type RouteHandler, readJson, safeEqual, sendJson } from '../http/server.js';

export interface WebhookOptions {
  /** Public HTTPS URL Telegram posts to (it must reach `path` on this server). */
  url: string;
  /** `secret_token` given to setWebhook; Telegram echoes it in a header. */
  secret: string;
  /** Path of the route on Parley's HTTP server. */
  path: string;
}

export interface WebhookTarget {
  accepting(): boolean;
  /** Resolves once the update is stored (or deliberately dropped). */
  handle(update: Update): Promise<void>;
}

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** The route handler for `secret` delivering to `target`. */
export function webhookRoute(secret: string, target: WebhookTarget): RouteHandler {
  return async (req, res) => {
    const given = req.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !safeEqual(given, secret))
      return sendJson(res, 401, { error: 'wrong or missing secret token' });
    if (!target.accepting()) return sendJson(res, 503, { error: 'telegram channel is stopped' });
    const update = await readJson<Update>(req, 2_000_000);
    if (!update || typeof update !== 'object' || typeof update.update_id !== 'number')
      return sendJson(res, 200, { ok: true, dropped: 'not an update' });
    await target.handle(update);
    sendJson(res, 200, { ok: true });
  };
}
