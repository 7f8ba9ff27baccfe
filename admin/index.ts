/**
 * The operator console on Parley's HTTP server, mounted by the composition root
 * once the channels exist:
 *
 *   /admin, /admin/admin.js     the admin page (token via cookie set by `/?token=` or /admin?token=)
 *   /api/...                    the JSON API behind it (api.ts), token required
 *   /healthz, /readyz           liveness and readiness, no token (container healthchecks)
 *   /metrics                    Prometheus text format, token required (bearer token)
 *   /openapi.json, .yaml        the API description generated from the routes, no token
 *
 * The console (console.ts, OpenAPI routes and schemas) is built on the first request
 * to one of its paths: until someone opens it, Parley carries neither its modules nor
 * its memory. Liveness and readiness are answered here, so healthchecks stay cheap.
 *
 * Everything is generic over `app.channels` (their `status()`) and `app.tools`, so
 * channels added later show up without changes here.
 */
import type { MiddlewareHandler } from 'hono';
import { type HttpApp, hasToken, type NodeEnv } from '../http/index.js';
import { readiness } from './readiness.js';
import type { AdminApp, AdminMetrics } from './types.js';

export { readiness } from './readiness.js';
export type { AdminApp, AdminMetrics } from './types.js';

/** Paths the console serves (everything but health and readiness). */
const CONSOLE_PATHS = [
  '/admin',
  '/admin/*',
  '/api/*',
  '/metrics',
  '/openapi.json',
  '/openapi.yaml',
  '/favicon.ico',
];

/**
 * Mounts health and readiness, and the console behind a first-request loader. A path
 * the console does not serve falls through to routes added later (a channel's
 * `/api/channels/<id>/…`) and to the HTTP app's 404.
 */
export function registerAdmin(http: HttpApp, app: AdminApp, metrics: AdminMetrics): void {
  registerHealth(http, app);
  let console: Promise<Console> | undefined;
  const forward: MiddlewareHandler<NodeEnv> = async (c, next) => {
    console ??= import('./console.js').then(({ buildConsole }) =>
      buildConsole(http, app, metrics, () => NOT_MINE),
    );
    const response = await (await console).fetch(c.req.raw, c.env);
    if (response === NOT_MINE) return next();
    return response;
  };
  for (const path of CONSOLE_PATHS) http.hono.use(path, forward);
}

type Console = {
  fetch: (request: Request, env: NodeEnv['Bindings']) => Response | Promise<Response>;
};

/** What the console answers for a path it has no route for. */
const NOT_MINE = new Response(null, { status: 404 });

function registerHealth(http: HttpApp, app: AdminApp): void {
  const started = Date.now();
  http.hono.get('/healthz', (c) =>
    c.json({ ok: true, uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );
  http.hono.get('/readyz', (c) => {
    const result = readiness(app);
    // Channel names and states only for the token holder.
    const body = hasToken(c.req.raw, http.token) ? result : { ready: result.ready };
    return c.json(body, result.ready ? 200 : 503);
  });
}
