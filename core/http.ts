/**
 * How a module adds routes to Parley's one HTTP server (web chat, admin console,
 * platform webhooks, health and metrics). Handlers speak the web-standard
 * `Request` → `Response`, so a route is testable without a socket and the server
 * behind it (Hono on node:http) is an implementation detail. WebSockets attach to
 * the raw upgrade instead, since they outlive a request.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** One request in, one response out. Thrown errors become a logged 500. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteOptions {
  /** Requires Parley's access token (bearer header, cookie or `token` query). */
  auth?: boolean;
  /** Largest body accepted, in bytes (413 beyond). */
  maxBodyBytes?: number;
}

/** Takes over the socket of an HTTP upgrade (WebSocket); `url` is already parsed. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

export interface HttpRoutes {
  /** Adds a route; `path` is exact, or a prefix when it ends in `*`. */
  route(method: HttpMethod, path: string, handler: FetchHandler, options?: RouteOptions): void;
  /** Adds a WebSocket (or other upgrade) endpoint at an exact path. */
  upgrade(path: string, handler: UpgradeHandler, options?: { auth?: boolean }): void;
}
