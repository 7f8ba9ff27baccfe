/**
 * Parley's one HTTP application (Hono): web chat, admin console and API, platform
 * webhooks, health and metrics. It implements the core {@link HttpRoutes}
 * interface, so channels add web-standard `Request → Response` routes without
 * knowing Hono; the admin console (which sits above) mounts its OpenAPI routes on
 * {@link HttpApp.hono} directly. The whole stack runs in-process with
 * `app.hono.request('/path')`; `http/server.ts` puts it on a socket.
 *
 *   request ─► error boundary (4xx/500, logged, never a crash)
 *           ─► origin check on state-changing methods ─► /api/* guards (rate, CSRF header, JSON)
 *           ─► route: [webhook rate] ─► [token] ─► body cap ─► handler
 *
 * WebSocket endpoints (`upgrade`) are kept in a table the node server consults;
 * they never pass through Hono.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TrieRouter } from 'hono/router/trie-router';
import type { Logger } from 'pino';
import type {
  FetchHandler,
  HttpMethod,
  HttpRoutes,
  RouteOptions,
  UpgradeHandler,
} from '../core/http.js';
import { capBody, DEFAULT_MAX_BODY } from './body.js';
import { clientAddress, type NodeEnv } from './client.js';
import { apiRequestGuard, OriginPolicy } from './guards.js';
import { type RateLimit, RateLimiter } from './rate-limit.js';
import { requireToken } from './token.js';

export interface HttpAppOptions {
  token: string;
  log: Logger;
  /** Origins allowed to make state-changing requests and open WebSockets (e.g. `http://127.0.0.1:8787`). */
  origins?: readonly string[];
  rateLimits?: Partial<Record<'api' | 'webhook', RateLimit>>;
  now?: () => number;
}

/** Generous for one operator and Telegram/Slack delivery; far below what an attacker needs. */
export const DEFAULT_RATE_LIMITS: Record<'api' | 'webhook', RateLimit> = {
  api: { limit: 600, windowMs: 60_000 },
  webhook: { limit: 3_000, windowMs: 60_000 },
};

export interface UpgradeRoute {
  auth: boolean;
  handler: UpgradeHandler;
}

export class HttpApp implements HttpRoutes {
  /** Routes can be added at any time (channels start after the server listens), hence the trie router. */
  readonly hono = new Hono<NodeEnv>({ router: new TrieRouter() });
  readonly origins: OriginPolicy;
  private readonly upgrades = new Map<string, UpgradeRoute>();
  private readonly webhookLimiter: RateLimiter;

  constructor(private readonly options: HttpAppOptions) {
    this.origins = new OriginPolicy(options.origins ?? []);
    const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    const apiLimiter = new RateLimiter(limits.api, options.now);
    this.webhookLimiter = new RateLimiter(limits.webhook, options.now);
    this.hono.onError((error, c) => this.onError(error, c));
    this.hono.notFound((c) => c.json({ error: 'not found' }, 404));
    this.hono.use('*', this.origins.guard());
    this.hono.use('/api/*', rateLimited(apiLimiter), apiRequestGuard());
  }

  get token(): string {
    return this.options.token;
  }

  /** Middleware requiring the access token (for modules that mount Hono routes themselves). */
  requireToken(): MiddlewareHandler<NodeEnv> {
    return requireToken(this.options.token);
  }

  route(method: HttpMethod, path: string, handler: FetchHandler, options: RouteOptions = {}): void {
    const chain: MiddlewareHandler<NodeEnv>[] = [];
    const auth = options.auth ?? true;
    if (!auth && method !== 'GET') chain.push(rateLimited(this.webhookLimiter));
    if (auth) chain.push(this.requireToken());
    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const honoPath = path.endsWith('*') ? `${path.slice(0, -1).replace(/\/$/, '')}/*` : path;
    this.hono.on(method, [honoPath], ...chain, (c) => capBody(c.req.raw, maxBody, handler));
  }

  upgrade(path: string, handler: UpgradeHandler, options: { auth?: boolean } = {}): void {
    this.upgrades.set(path, { auth: options.auth ?? true, handler });
  }

  /** The upgrade endpoint at `pathname`, for the node server. */
  upgradeFor(pathname: string): UpgradeRoute | undefined {
    return this.upgrades.get(pathname);
  }

  /** Runs the app in-process (tests): `await app.request('/healthz')`. */
  request(path: string, init?: RequestInit, remoteAddress = '127.0.0.1'): Promise<Response> {
    return Promise.resolve(
      this.hono.request(path, init, { incoming: { socket: { remoteAddress } } } as never),
    );
  }

  private onError(error: Error, c: Context<NodeEnv>): Response {
    if (error instanceof HTTPException) return error.getResponse();
    this.options.log.error(
      { err: error, method: c.req.method, path: safePath(c) },
      'http handler failed',
    );
    return c.json({ error: 'internal error' }, 500);
  }
}

function rateLimited(limiter: RateLimiter): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const verdict = limiter.take(clientAddress(c));
    if (verdict.ok) return next();
    return c.json({ error: 'too many requests' }, 429, {
      'retry-after': String(verdict.retryAfterSeconds),
    });
  };
}

function safePath(c: Context): string {
  try {
    return new URL(c.req.url).pathname;
  } catch {
    return '?';
  }
}
