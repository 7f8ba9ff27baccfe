import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordAPIError, HTTPError, RateLimitError, REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HandlerError,
  isRetryable,
  NetworkError,
  PlatformError,
  toErrorTree,
} from '../../core/errors.js';
import { discordCall, toParleyError } from './errors.js';

const map = (error: unknown) => toErrorTree(error, toParleyError, 'discord send');
const body = { body: undefined, files: undefined };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(handler: RequestListener): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const rest = (port: number, timeout = 15_000) =>
  new REST({ api: `http://127.0.0.1:${port}`, retries: 0, timeout }).setToken('test-token');

describe('discord.js errors → the error tree', () => {
  it('maps a RateLimitError to a 429 with retry-after in seconds', () => {
    const error = map(
      new RateLimitError({
        timeToReset: 1500,
        limit: 5,
        method: 'post',
        hash: 'h',
        url: 'http://127.0.0.1/channels/1/messages',
        route: '/channels/:id/messages',
        majorParameter: '1',
        global: false,
        retryAfter: 1500,
        sublimitTimeout: 0,
        scope: 'user',
      }),
    );
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 1.5 });
    expect(isRetryable(error)).toBe(true);
  });

  it("keeps an API refusal's status and Discord code; never retries a 403", () => {
    const tooLong = map(
      new DiscordAPIError(
        { code: 50035, message: 'Invalid Form Body' },
        50035,
        400,
        'POST',
        'http://127.0.0.1/channels/1/messages',
        body,
      ),
    );
    expect(tooLong).toMatchObject({ status: 400, code: 50035 });
    const forbidden = map(new HTTPError(403, 'Forbidden', 'POST', 'http://127.0.0.1/x', body));
    expect(forbidden).toMatchObject({ status: 403 });
    expect(isRetryable(forbidden)).toBe(false);
    expect(isRetryable(map(new HTTPError(502, 'Bad Gateway', 'POST', 'http://x', body)))).toBe(
      true,
    );
  });

  it('maps a refused connection of a real REST call to a NetworkError', async () => {
    const port = await closedPort();
    const error = await discordCall(() => rest(port).get('/users/@me')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(isRetryable(error)).toBe(true);
  });

  it('maps a real REST call that timed out to a NetworkError', async () => {
    const port = await listen(() => {}); // never answers
    const error = await discordCall(() => rest(port, 100).get('/users/@me')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('makes an unknown error a HandlerError, not a retryable network error', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(map(bug)).toBeInstanceOf(HandlerError);
    const error = await discordCall(async () => {
      throw bug;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerError);
    expect(isRetryable(error)).toBe(false);
    expect(error).not.toBeInstanceOf(PlatformError);
  });
});
