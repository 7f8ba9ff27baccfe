import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Canceller, httpFetch, httpRequest } from './http-fetch.js';

describe('httpFetch', () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 20);
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, {
        'content-type': 'application/json',
        'x-echo': String(req.headers['x-test']),
      });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends method, headers and body, and returns status, headers and body', async () => {
    const response = await httpFetch(`${base}/x`, {
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"a":1}' });
    expect((await httpFetch(`${base}/missing`)).status).toBe(404);
  });

  it('sends a streamed body (grammY multipart uploads are async iterables)', async () => {
    async function* parts() {
      yield new TextEncoder().encode('--b\r\n');
      yield new TextEncoder().encode('file bytes\r\n--b--');
    }
    const response = await httpFetch(`${base}/upload`, {
      method: 'POST',
      body: parts() as unknown as RequestInit['body'],
    });
    expect(await response.json()).toEqual({ method: 'POST', body: '--b\r\nfile bytes\r\n--b--' });
  });

  it('streams the body as byte chunks as they arrive, and has no body for 204', async () => {
    const response = await httpFetch(`${base}/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const chunks: string[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      chunks.push(Buffer.from(chunk).toString());
    expect(chunks).toEqual(['data: one\n\n', 'data: two\n\n']);
    const empty = await httpFetch(`${base}/empty`);
    expect([empty.status, empty.ok, empty.body, await empty.text()]).toEqual([204, true, null, '']);
  });

  it('rejects when aborted and when nothing listens', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(httpFetch(`${base}/slow`, { signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
    await expect(httpFetch('http://127.0.0.1:9/x')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('cancels a request waiting for its headers or in mid-body, with the reason given', async () => {
    const waiting = new Canceller();
    setTimeout(() => waiting.abort(new Error('stalled before headers')), 30);
    await expect(httpRequest(`${base}/slow`, {}, waiting)).rejects.toThrow(
      'stalled before headers',
    );
    const reading = new Canceller();
    const response = await httpRequest(`${base}/events`, {}, reading);
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of response.body!) {
        chunks.push(Buffer.from(chunk).toString());
        reading.abort(new Error('stalled in the body'));
      }
    })();
    await expect(read).rejects.toThrow();
    expect(chunks).toEqual(['data: one\n\n']);
    const late = new Canceller();
    late.abort('gone');
    await expect(httpRequest(`${base}/x`, {}, late)).rejects.toThrow('gone');
  });
});
