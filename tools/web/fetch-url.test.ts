/**
 * fetch_url on loopback only: the happy path with 127.0.0.1 allowlisted; with the
 * default config 127.0.0.1, 10.0.0.1, localhost and a redirect to an internal address
 * are refused before any connection; caps on size, time and content type.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchUrlSchema } from './config.js';
import { fetchUrlTool } from './fetch-url.js';

let server: Server;
let base = '';
let hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><title>Hello page</title></head><body><nav>menu</nav><article><h1>Hello</h1><p>The readable body of the article, long enough for Readability to keep it as the main content of this page.</p></article></body></html>',
      );
    } else if (req.url === '/to-internal') {
      res.writeHead(302, { location: 'http://10.0.0.1/secret' }).end();
    } else if (req.url === '/to-page') {
      res.writeHead(302, { location: '/page' }).end();
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(50_000));
    } else if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part ');
    } else if (req.url === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' }).end('png');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const context = () => ({
  sessionId: 1,
  conversationKey: 'k',
  channel: 't',
  senderId: 'u',
  signal: new AbortController().signal,
});
const allowLoopback = fetchUrlSchema.parse({
  allowAddresses: ['127.0.0.1'],
  maxBytes: 4096,
  timeoutMs: 1000,
});

describe('fetch_url', () => {
  it('returns the readable text of an allowed page, following a redirect', async () => {
    const result = await fetchUrlTool(allowLoopback).run({ url: `${base}/to-page` }, context());
    expect(result.isError).toBeUndefined();
    expect(result.content).toContain('Hello page');
    expect(result.content).toContain('The readable body of the article');
    expect(result.content).not.toContain('menu');
  });

  it('refuses loopback, private and localhost by default, before connecting', async () => {
    hits = [];
    const tool = fetchUrlTool(fetchUrlSchema.parse({}));
    for (const url of [
      `${base}/page`,
      'http://10.0.0.1/',
      `http://localhost:${new URL(base).port}/page`,
      'http://[::1]/',
    ]) {
      const result = await tool.run({ url }, context());
      expect(result.isError, url).toBe(true);
      expect(result.content).toMatch(/internal address/);
    }
    expect(hits).toEqual([]);
  });

  it('re-checks every redirect hop', async () => {
    hits = [];
    const result = await fetchUrlTool(allowLoopback).run({ url: `${base}/to-internal` }, context());
    expect(result.content).toMatch(/10\.0\.0\.1.*internal address/);
    expect(hits).toEqual(['/to-internal']);
  });

  it('connects to the checked address, not to a second DNS answer', async () => {
    const tool = fetchUrlTool(allowLoopback, async () => [{ address: '127.0.0.1', family: 4 }]);
    const result = await tool.run(
      { url: `http://rebind.invalid:${new URL(base).port}/page` },
      context(),
    );
    expect(result.content).toContain('Hello page');
  });

  it('cuts oversize and slow bodies, and refuses other content types', async () => {
    const tool = fetchUrlTool(allowLoopback);
    const big = await tool.run({ url: `${base}/big` }, context());
    expect(big.content).toContain('[cut at 4096 bytes]');
    const slow = await tool.run({ url: `${base}/slow` }, context());
    expect(slow.content).toContain('first part');
    expect(slow.content).toContain('[cut: time limit of 1000 ms]');
    const image = await tool.run({ url: `${base}/image` }, context());
    expect(image).toMatchObject({ isError: true });
    expect(image.content).toContain('"image/png" is not read');
  });
});

describe('fetch_url policy', () => {
  it('is auto in DMs and denied in groups unless groupPolicy says otherwise', async () => {
    const { ToolRegistry } = await import('../registry.js');
    const registry = new ToolRegistry({ fetch_url: 'auto' });
    registry.register(fetchUrlTool(fetchUrlSchema.parse({})));
    expect(registry.policy('fetch_url', 'dm')).toBe('auto');
    expect(registry.definitions('dm').map((d) => d.function.name)).toContain('fetch_url');
    expect(registry.definitions('group')).toEqual([]);
    expect(registry.unavailable('fetch_url', 'group')).toContain('in group chats');
    const open = new ToolRegistry();
    open.register(fetchUrlTool(fetchUrlSchema.parse({ groupPolicy: 'ask' })));
    expect(open.policy('fetch_url', 'group')).toBe('ask');
  });
});
