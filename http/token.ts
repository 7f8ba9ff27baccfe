/**
 * The token gate of routes marked `auth`: 401 without Parley's access token. A
 * page reached with `?token=` is given the token as an HttpOnly, SameSite=Strict
 * cookie, so the page's own requests (and its WebSocket) carry it afterwards
 * while the address bar can drop it.
 */
import type { MiddlewareHandler } from 'hono';
import { givenToken, safeEqual, tokenCookie } from './auth.js';
import type { NodeEnv } from './client.js';

export function requireToken(token: string): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const given = givenToken(
      c.req.header('authorization'),
      c.req.header('cookie'),
      new URL(c.req.url),
    );
    if (!given || !safeEqual(given.value, token))
      return c.json({ error: 'missing or wrong access token' }, 401);
    await next();
    if (given.source === 'query') c.res.headers.append('set-cookie', tokenCookie(token));
  };
}

/** True when `request` carries the access token (for answers that say more to the token holder). */
export function hasToken(request: Request, token: string): boolean {
  const given = givenToken(
    request.headers.get('authorization'),
    request.headers.get('cookie'),
    new URL(request.url),
  );
  return given !== undefined && safeEqual(given.value, token);
}
