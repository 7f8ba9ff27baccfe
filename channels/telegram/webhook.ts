/**
 * Webhook mode: Telegram POSTs each update to a route on Parley's HTTP server.
 *
 *   POST <path> ─► secret check (constant time, 401) ─► JSON ─► bot.handleUpdate
 *              (normalize → media → await sink.accept) ─► 200
 *
 * The 200 goes out only once the update is in the durable inbox; any failure
 * before that answers 500 so Telegram delivers the update again (the inbox
 * deduplicates). A malformed body is answered 200 and dropped: retrying it would
 * not help. While the channel is stopped the route answers 503. The secret is
 * checked before the body is read.
 */
import type { Update } from 'grammy/types';
import type { FetchHandler } from '../../core/http.js';
import { safeEqual } from '../../core/safe-equal.js';

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

/** Largest update body accepted (updates carry file ids, never file contents). */
export const MAX_UPDATE_BYTES = 2_000_000;

/** The route handler for `secret` delivering to `target`. */
export function webhookRoute(secret: string, target: WebhookTarget): FetchHandler {
  return async (request) => {
    const given = request.headers.get(SECRET_HEADER);
    if (given === null || !safeEqual(given, secret))
      return Response.json({ error: 'wrong or missing secret token' }, { status: 401 });
    if (!target.accepting())
      return Response.json({ error: 'telegram channel is stopped' }, { status: 503 });
    const update = await parseUpdate(request);
    if (update === 'malformed')
      return Response.json({ error: 'body is not valid JSON' }, { status: 400 });
    if (!update || typeof update !== 'object' || typeof update.update_id !== 'number')
      return Response.json({ ok: true, dropped: 'not an update' });
    await target.handle(update);
    return Response.json({ ok: true });
  };
}

async function parseUpdate(request: Request): Promise<Update | 'malformed'> {
  const text = await request.text();
  try {
    return JSON.parse(text) as Update;
  } catch {
    return 'malformed';
  }
}
