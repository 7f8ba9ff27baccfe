/**
 * The token gate of routes marked `auth`: 401 without Parley's access token. A
 * page reached with `?token=` is given the token as an HttpOnly, SameSite=Strict
 * cookie, so the page's own requests (and its WebSocket) carry it afterwards
 * while the address bar can drop it. A browser asking for a page without the
 * token gets a short HTML page saying where the token is instead of JSON.
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
    if (!given || !safeEqual(given.value, token)) {
      if (c.req.method === 'GET' && /text\/html/.test(c.req.header('accept') ?? ''))
        return c.html(tokenPage(given !== undefined), 401, { 'cache-control': 'no-store' });
      return c.json({ error: 'missing or wrong access token' }, 401);
    }
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

/** What a browser shows at `/` or `/admin` without the token (no secret in it). */
export function tokenPage(wrongToken: boolean): string {
  const why = wrongToken
    ? 'The access token in this link or cookie is not the one this Parley uses.'
    : 'This page needs Parley’s access token.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley: access token needed</title>
<style>
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1rem; box-sizing: border-box; }
  main { max-width: 34rem; line-height: 1.5; }
  code { background: #8882; padding: .1rem .35rem; border-radius: .3rem; white-space: nowrap; }
</style></head>
<body><main>
<h1>Parley needs its access token</h1>
<p>${why}</p>
<p>Open the address Parley printed when it started: it ends in <code>?token=…</code>.
Opening it once is enough; this browser then remembers the token.</p>
<ul>
<li>Print the address again with <code>parley url</code> (or look for the line <code>Web chat:</code> in its start output).</li>
<li>You chose the token yourself if <code>PARLEY_WEB_TOKEN</code> or <code>web.token</code> in <code>parley.yaml</code> is set: add <code>?token=</code> and its value to this address.</li>
</ul>
</main></body></html>`;
}
