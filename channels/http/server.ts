/**
 * Parley's one HTTP server, shared by the web chat, the admin pages and API, and
 * the platform webhooks (Telegram, Slack). Routes are exact paths (or a prefix
 * ending in `*`); routes marked `auth` require the access token, given as
 * `Authorization: Bearer <token>`, a `token` query parameter, or the
 * `parley_token` cookie, and compared in constant time (401 otherwise).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

interface Route {
  method: string;
  path: string;
  prefix: boolean;
  auth: boolean;
  handler: RouteHandler;
}

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly upgrades = new Map<string, { auth: boolean; handler: UpgradeHandler }>();
  private server: Server | undefined;

  constructor(
    private readonly options: { host: string; port: number; token: string; log: Logger },
  ) {}

  get token(): string {
    return this.options.token;
  }

  route(
    method: string,
    path: string,
    handler: RouteHandler,
    options: { auth?: boolean } = {},
  ): void {
    const prefix = path.endsWith('*');
    this.routes.push({
      method,
      path: prefix ? path.slice(0, -1) : path,
      prefix,
      auth: options.auth ?? true,
      handler,
    });
  }

  upgrade(path: string, handler: UpgradeHandler, options: { auth?: boolean } = {}): void {
    this.upgrades.set(path, { auth: options.auth ?? true, handler });
  }

  /** True when the request carries the access token. */
  authorized(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const cookie = /(?:^|;\s*)parley_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given =
      bearer ?? url.searchParams.get('token') ?? (cookie ? decodeURIComponent(cookie) : undefined);
    return given !== undefined && safeEqual(given, this.options.token);
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.on('upgrade', (req, socket, head) => this.dispatchUpgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') return '';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.routes.find(
      (r) =>
        r.method === req.method &&
        (r.prefix ? url.pathname.startsWith(r.path) : url.pathname === r.path),
    );
    if (!route) {
      const known = this.routes.some((r) =>
        r.prefix ? url.pathname.startsWith(r.path) : url.pathname === r.path,
      );
      return sendJson(res, known ? 405 : 404, {
        error: known ? 'method not allowed' : 'not found',
      });
    }
    if (route.auth && !this.authorized(req, url))
      return sendJson(res, 401, { error: 'missing or wrong access token' });
    try {
      await route.handler(req, res, url);
    } catch (error) {
      this.options.log.error({ err: error, path: url.pathname }, 'http handler failed');
      if (!res.headersSent)
        sendJson(res, error instanceof HttpError ? error.status : 500, {
          error: (error as Error).message,
        });
      else res.end();
    }
  }

  private dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry = this.upgrades.get(url.pathname);
    if (!entry || (entry.auth && !this.authorized(req, url))) {
      socket.end(
        `HTTP/1.1 ${entry ? '401 Unauthorized' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    entry.handler(req, socket, head, url);
  }
}

/** An error with an HTTP status, for handlers to throw. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a request body up to `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

/** Reads and parses a JSON body (400 when malformed). */
export async function readJson<T = unknown>(req: IncomingMessage, limit?: number): Promise<T> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}
