/**
 * Who is asking: the Hono environment of a request served by `@hono/node-server`
 * (`c.env.incoming` is node's IncomingMessage) and the client address taken from
 * its socket. Proxies' `X-Forwarded-For` is deliberately not trusted.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

export type NodeEnv = { Bindings: { incoming?: Pick<IncomingMessage, 'socket'> } };

/** The peer address of the request's socket, or `unknown` (in-process requests). */
export function clientAddress(c: Context<NodeEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
