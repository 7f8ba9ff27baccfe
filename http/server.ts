/**
 * Puts the {@link HttpApp} on a node:http socket (`@hono/node-server`'s request
 * listener) and defends the socket itself, so that no client can take Parley off
 * the network:
 *
 * - header, request and keep-alive timeouts, and an idle timeout per socket: a
 *   half-open connection that sent one packet is closed after `headersTimeoutMs`;
 * - a global connection cap (`server.maxConnections`) and a per-IP cap: a client
 *   over its share is disconnected at accept, so one address cannot starve
 *   `/healthz` for the rest;
 * - WebSocket upgrades: the target is parsed defensively (400), the Origin
 *   checked (403), the token checked (401) before the endpoint sees the socket;
 * - malformed request targets (`//`, `http://[::1`, `http://a:99999/`) are a 400
 *   from the listener, a throwing handler a logged 500: never a process exit.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import type { HttpApp } from './app.js';
import { givenToken, safeEqual } from './auth.js';

export interface ConnectionLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request. */
  requestTimeoutMs: number;
  /** A keep-alive connection idle this long between requests is closed. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic this long is closed (also while a response is slow). */
  idleTimeoutMs: number;
  /** How often node checks the header/request timeouts. */
  checkIntervalMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

/** Below the usual 1,024 open files, so the cap is hit before the process runs out of descriptors. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  checkIntervalMs: 1_000,
  maxConnections: 800,
  maxConnectionsPerIp: 100,
};

export interface HttpServerOptions {
  host: string;
  port: number;
  log: Logger;
  limits?: Partial<ConnectionLimits>;
}

export class HttpServer {
  private server: Server | undefined;
  private readonly perIp = new Map<string, number>();
  private readonly limits: ConnectionLimits;

  constructor(
    readonly app: HttpApp,
    private readonly options: HttpServerOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  get token(): string {
    return this.app.token;
  }

  /** Listens; the bound origin (and its loopback aliases) become allowed origins. */
  async listen(): Promise<string> {
    const server = this.createNodeServer();
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    for (const origin of boundOrigins(this.options.host, this.port)) this.app.origins.allow(origin);
    return this.url;
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
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

  private createNodeServer(): Server {
    const limits = this.limits;
    const listener = getRequestListener(this.app.hono.fetch, { overrideGlobalObjects: false });
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
      },
      (req, res) => void listener(req, res),
    );
    server.maxConnections = limits.maxConnections;
    server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
    server.on('connection', (socket) => this.admit(socket));
    server.on('upgrade', (req, socket, head) => this.dispatchUpgrade(req, socket, head));
    server.on('clientError', (error, socket) => clientError(error, socket));
    return server;
  }

  /** Per-IP cap at accept time. */
  private admit(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const open = (this.perIp.get(ip) ?? 0) + 1;
    if (open > this.limits.maxConnectionsPerIp) {
      this.options.log.debug({ ip }, 'connection refused: per-address limit');
      socket.destroy();
      return;
    }
    this.perIp.set(ip, open);
    socket.once('close', () => {
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, left);
    });
  }

  private dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.options.log.debug({ err: error }, 'upgrade socket error'));
    try {
      const url = parseTarget(req.url);
      const refusal = this.upgradeRefusal(req, url);
      if (refusal || !url) refuse(socket, refusal ?? '400 Bad Request');
      else this.app.upgradeFor(url.pathname)?.handler(req, socket, head, url);
    } catch (error) {
      this.options.log.error({ err: error }, 'upgrade handler failed');
      refuse(socket, '500 Internal Server Error');
    }
  }

  /** Why an upgrade is refused (a status line), or undefined when it may proceed. */
  private upgradeRefusal(req: IncomingMessage, url: URL | undefined): string | undefined {
    if (!url) return '400 Bad Request';
    const entry = this.app.upgradeFor(url.pathname);
    if (!entry) return '404 Not Found';
    if (!this.app.origins.accepts(req.headers.origin)) return '403 Forbidden';
    if (entry.auth && !this.authorized(req, url)) return '401 Unauthorized';
    return undefined;
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    const given = givenToken(req.headers.authorization, req.headers.cookie, url);
    return given !== undefined && safeEqual(given.value, this.app.token);
  }
}

/** The request target as a URL, or undefined when it is not an origin-form path. */
export function parseTarget(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: string): void {
  closeWith(socket, status);
}

/** Writes a last status line and destroys the socket (a half-close would leave it to the client). */
function closeWith(socket: Duplex, status: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}

/** Node's parser refused the bytes (or a timeout hit): answer 400/408 when possible, then close. */
function clientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  closeWith(socket, status);
}

/** The origins a browser uses to reach a server bound to `host:port`. */
export function boundOrigins(host: string, port: number): string[] {
  const loopback = ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(host);
  const named = host.includes(':') ? `[${host}]` : host;
  const origins = host === '0.0.0.0' || host === '::' ? [] : [`http://${named}:${port}`];
  if (loopback)
    origins.push(`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`);
  return origins;
}
