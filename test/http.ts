/**
 * A real Parley HTTP server on an ephemeral loopback port, for channel tests that
 * need their routes on a socket (Slack's Events API, Telegram's webhook): the
 * same Hono app and node server the product runs, nothing stubbed.
 */
import type { Logger } from 'pino';
import { HttpApp, HttpServer } from '../http/index.js';

export function loopbackServer(log: Logger, token = 'web-token-0123456789'): HttpServer {
  return new HttpServer(new HttpApp({ token, log }), { host: '127.0.0.1', port: 0, log });
}
