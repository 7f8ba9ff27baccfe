/**
 * Browser-facing defences (localhost is not a trust boundary: any page on another
 * port of 127.0.0.1 is same-site and gets our SameSite cookie sent along):
 *
 * - {@link OriginPolicy}: a request that names an `Origin` must name one of ours
 *   on every state-changing method (POST/PUT/PATCH/DELETE) and on the WebSocket
 *   upgrade; 403 otherwise. Requests without `Origin` (curl, Telegram, Slack) pass
 *   on to their own token or signature check.
 * - {@link apiRequestGuard}: state-changing `/api/*` requests must send
 *   `X-Parley-Request: 1`, and POST/PUT/PATCH a JSON body type. A cross-origin page cannot add the
 *   header without a CORS preflight, which Parley never grants.
 */
import type { MiddlewareHandler } from 'hono';
import type { NodeEnv } from './client.js';

export const REQUEST_HEADER = 'x-parley-request';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class OriginPolicy {
  private readonly allowed = new Set<string>();

  constructor(origins: readonly string[]) {
    for (const origin of origins) this.allow(origin);
  }

  /** Adds an origin (`scheme://host[:port]`); a URL is reduced to its origin. */
  allow(origin: string): void {
    this.allowed.add(new URL(origin).origin);
  }

  list(): string[] {
    return [...this.allowed];
  }

  /** An absent Origin is allowed (not a browser, or a same-origin navigation). */
  accepts(origin: string | null | undefined): boolean {
    return origin === undefined || origin === null || this.allowed.has(origin);
  }

  guard(): MiddlewareHandler<NodeEnv> {
    return async (c, next) => {
      if (SAFE_METHODS.has(c.req.method) || this.accepts(c.req.header('origin'))) return next();
      return c.json({ error: 'cross-origin request refused' }, 403);
    };
  }
}

export function apiRequestGuard(): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (c.req.header(REQUEST_HEADER) !== '1')
      return c.json(
        { error: `state-changing API requests need the header ${REQUEST_HEADER}: 1` },
        403,
      );
    const type = c.req.header('content-type') ?? '';
    // DELETE carries no body; POST/PUT/PATCH always declare JSON (a form or text/plain is what a foreign page can send).
    if (c.req.method !== 'DELETE' && !/^application\/json\b/i.test(type))
      return c.json({ error: 'send the body as application/json' }, 415);
    return next();
  };
}
