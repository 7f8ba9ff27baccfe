/**
 * The node socket under attack, with real sockets on loopback: malformed request
 * targets and cookies (also on the WebSocket upgrade), half-open connections
 * against the per-IP and global caps and the header timeout, and a fuzz run of
 * malformed requests. The process must stay up and `/healthz` must keep answering.
 */
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpApp } from './app.js';
import { HttpServer } from './server.js';

const TOKEN = 'test-token-0123456789abcdef';
const log = pino({ level: 'silent' });
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const memory = { before: 0, peak: 0, after: 0 };

/** Sends raw bytes and resolves with what came back once the server closes (or after `ms`). */
function raw(port: number, bytes: string, ms = 2000, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(ms, done);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

function start(limits = {}) {
  const app = new HttpApp({ token: TOKEN, log });
  app.route('GET', '/healthz', () => Response.json({ ok: true }), { auth: false });
  app.route('POST', '/api/echo', async (r) => new Response(await r.text()));
  app.route('GET', '/api/me', () => Response.json({ ok: true }));
  app.upgrade('/ws', (_req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
  return new HttpServer(app, { host: '127.0.0.1', port: 0, log, limits });
}

describe('http server on a real socket', () => {
  let server: HttpServer;
  let port: number;
  beforeAll(async () => {
    memory.before = rss();
    server = start();
    await server.listen();
    port = server.port;
  });
  afterAll(async () => {
    await server.close();
    memory.after = rss();
    console.log(`RSS MiB before/peak/after the attack tests: ${JSON.stringify(memory)}`);
  });

  it('answers malformed request targets with 400 and keeps serving', async () => {
    const targets = ['//', 'http://[::1', 'http://a:99999/', '/\\evil', '*', 'a'];
    for (const target of targets) {
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expect([400, 404], `${target}: ${answer.slice(0, 40)}`).toContain(statusOf(answer));
    }
    expect(statusOf(await raw(port, 'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses a malformed cookie, a foreign Origin and a bad target on the WebSocket upgrade', async () => {
    const upgrade = (target: string, extra: string) =>
      raw(
        port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${extra}\r\n`,
      );
    expect(statusOf(await upgrade('/ws', 'Cookie: parley_token=%E0%A4%A\r\n'))).toBe(401);
    expect(statusOf(await upgrade('//', ''))).toBe(400);
    expect(statusOf(await upgrade('http://[::1', ''))).toBe(400);
    const cookie = `Cookie: parley_token=${TOKEN}\r\n`;
    expect(statusOf(await upgrade('/ws', `${cookie}Origin: http://127.0.0.1:1\r\n`))).toBe(403);
    expect(statusOf(await upgrade('/ws', cookie))).toBe(101);
    expect(statusOf(await upgrade(`/ws?token=%E0%A4%A`, ''))).toBe(401);
  });

  it('answers a malformed cookie on a normal request with 401', async () => {
    const answer = await raw(
      port,
      'GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: parley_token=%E0%A4%A\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(401);
  });

  it('survives a fuzz run of malformed requests; every answer is a valid status', async () => {
    const token = fc.stringMatching(/^[!-~]{0,12}$/);
    const request = fc.record({
      method: fc.constantFrom(
        'GET',
        'POST',
        'PUT',
        'DELETE',
        'PATCH',
        'OPTIONS',
        'HEAD',
        'BREW',
        'G\u00e9T',
        '',
      ),
      target: fc.oneof(
        fc.constantFrom(
          '/',
          '//',
          '/healthz',
          '/api/echo',
          '/ws',
          'http://[::1',
          'http://a:99999/',
          '*',
          '/%',
          '/..%2f',
        ),
        fc.string({ maxLength: 40 }),
      ),
      cookie: fc.oneof(
        fc.constant('parley_token=%E0%A4%A'),
        token.map((t) => `parley_token=${t}`),
      ),
      header: fc.tuple(token, fc.string({ maxLength: 20 })),
      chunked: fc.boolean(),
      body: fc.string({ maxLength: 60 }),
    });
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        tried++;
        const body = r.chunked
          ? `Transfer-Encoding: chunked\r\n\r\n${r.body.length.toString(16)}\r\n${r.body}\r\n${tried % 3 ? '0\r\n\r\n' : 'zz\r\n'}`
          : `Content-Length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`;
        const text = `${r.method} ${r.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${r.cookie}\r\n${r.header[0]}: ${r.header[1]}\r\n${body}`;
        const answer = await raw(port, text, 300);
        memory.peak = Math.max(memory.peak, rss());
        // No answer at all is fine (the parser may just close); an answer is a real status line.
        if (answer) expect(statusOf(answer), answer.slice(0, 60)).toBeGreaterThanOrEqual(100);
        if (answer) expect(statusOf(answer)).toBeLessThan(600);
      }),
      { numRuns: 300, seed: 18_11 },
    );
    console.log(`fuzz: ${tried} malformed requests tried`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('connection caps and timeouts', () => {
  it('closes half-open connections past the per-IP cap and after the header timeout; /healthz still answers', async () => {
    const server = start({
      maxConnectionsPerIp: 10,
      maxConnections: 40,
      headersTimeoutMs: 800,
      requestTimeoutMs: 1000,
      checkIntervalMs: 200,
    });
    await server.listen();
    const sockets: { socket: Socket; closedAt?: number }[] = [];
    try {
      const opened = Date.now();
      for (let i = 0; i < 25; i++) {
        const entry: { socket: Socket; closedAt?: number } = {
          socket: connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.1' }),
        };
        entry.socket.on('error', () => {});
        entry.socket.resume(); // a paused socket would never see the server's close
        entry.socket.on('close', () => {
          entry.closedAt = Date.now();
        });
        entry.socket.write('GET / HTTP/1.1\r\nHo');
        sockets.push(entry);
      }
      // Another address still gets through while 127.0.0.1 holds its share.
      const health = await raw(
        server.port,
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
        2000,
        '127.0.0.2',
      );
      expect(statusOf(health)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sockets.filter((s) => s.closedAt).length).toBeGreaterThanOrEqual(15);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(sockets.filter((s) => s.closedAt === undefined)).toHaveLength(0);
      const slowest = Math.max(...sockets.map((s) => (s.closedAt ?? 0) - opened));
      expect(slowest).toBeLessThan(2500);
      expect(statusOf(await raw(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(
        200,
      );
    } finally {
      for (const { socket } of sockets) socket.destroy();
      await server.close();
    }
  });

  it('refuses connections beyond the global cap', async () => {
    const server = start({ maxConnectionsPerIp: 100, maxConnections: 5, headersTimeoutMs: 5000 });
    await server.listen();
    const sockets: Socket[] = [];
    try {
      let closed = 0;
      for (let i = 0; i < 12; i++) {
        const socket = connect({
          port: server.port,
          host: '127.0.0.1',
          localAddress: `127.0.0.${3 + (i % 4)}`,
        });
        socket.on('error', () => {});
        socket.resume();
        socket.on('close', () => {
          closed++;
        });
        sockets.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(closed).toBe(7);
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.close();
    }
  });
});
