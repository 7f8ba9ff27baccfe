import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HttpApp } from './app.js';
import { RateLimiter } from './rate-limit.js';

const TOKEN = 'test-token-0123456789abcdef';
const log = pino({ level: 'silent' });
const ORIGIN = 'http://127.0.0.1:8787';

function app(now = () => 0) {
  const http = new HttpApp({
    token: TOKEN,
    log,
    origins: [ORIGIN],
    rateLimits: { api: { limit: 3, windowMs: 60_000 }, webhook: { limit: 2, windowMs: 10_000 } },
    now,
  });
  http.route('GET', '/api/thing', () => Response.json({ ok: true }));
  http.route('POST', '/api/thing', async (r) => Response.json(await r.json()));
  http.route('POST', '/hook', async (r) => new Response(await r.text()), { auth: false });
  http.route('GET', '/boom', () => {
    throw new Error('handler bug');
  });
  return http;
}
const bearer = { authorization: `Bearer ${TOKEN}` };
const writeHeaders = { ...bearer, 'content-type': 'application/json', 'x-parley-request': '1' };

describe('http app (in-process)', () => {
  it('treats a malformed token cookie as no token (401), never a throw', async () => {
    const res = await app().request('/api/thing', { headers: { cookie: 'parley_token=%E0%A4%A' } });
    expect(res.status).toBe(401);
    const good = await app().request('/api/thing', {
      headers: { cookie: `a=%E0; parley_token=${encodeURIComponent(TOKEN)}` },
    });
    expect(good.status).toBe(200);
  });

  it('answers a throwing handler with a logged 500', async () => {
    const res = await app().request('/boom', { headers: bearer });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
  });

  it('gives the SameSite=Strict cookie to a page reached with ?token=', async () => {
    const res = await app().request(`/api/thing?token=${TOKEN}`);
    expect(res.headers.get('set-cookie')).toMatch(
      /^parley_token=.*HttpOnly; SameSite=Strict; Path=\//,
    );
  });

  it('refuses state-changing requests from a foreign Origin, with or without the token', async () => {
    const body = JSON.stringify({ a: 1 });
    const foreign = await app().request('/api/thing', {
      method: 'POST',
      headers: { ...writeHeaders, origin: 'http://127.0.0.1:9999' },
      body,
    });
    expect(foreign.status).toBe(403);
    const hook = await app().request('/hook', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body,
    });
    expect(hook.status).toBe(403);
    const ours = await app().request('/api/thing', {
      method: 'POST',
      headers: { ...writeHeaders, origin: ORIGIN },
      body,
    });
    expect(ours.status).toBe(200);
  });

  it('requires X-Parley-Request and a JSON body on API writes (CSRF)', async () => {
    const text = await app().request('/api/thing', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/plain', 'x-parley-request': '1' },
      body: '{"answer":"approve"}',
    });
    expect(text.status).toBe(415);
    const noHeader = await app().request('/api/thing', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noHeader.status).toBe(403);
  });

  it('limits API and webhook requests per IP with 429 and Retry-After', async () => {
    let now = 0;
    const http = app(() => now);
    for (let i = 0; i < 3; i++)
      expect((await http.request('/api/thing', { headers: bearer }, '10.0.0.1')).status).toBe(200);
    const limited = await http.request('/api/thing', { headers: bearer }, '10.0.0.1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await http.request('/api/thing', { headers: bearer }, '10.0.0.2')).status).toBe(200);
    const hook = () => http.request('/hook', { method: 'POST', body: 'x' }, '10.0.0.3');
    expect((await hook()).status).toBe(200);
    expect((await hook()).status).toBe(200);
    now = 4_000;
    const third = await hook();
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('6');
    now = 10_000;
    expect((await hook()).status).toBe(200);
  });

  it('caps bodies: declared too large and chunked too large are 413', async () => {
    const http = new HttpApp({ token: TOKEN, log });
    http.route('POST', '/small', async (r) => new Response(await r.text()), {
      auth: false,
      maxBodyBytes: 8,
    });
    const declared = await http.request('/small', {
      method: 'POST',
      headers: { 'content-length': '100' },
      body: 'x'.repeat(100),
    });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('x'.repeat(20)));
        c.close();
      },
    });
    const chunked = await http.request('/small', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });
});

describe('rate limiter', () => {
  it('keeps at most maxClients windows', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 1000 }, () => 0, 3);
    for (const ip of ['a', 'b', 'c', 'd']) expect(limiter.take(ip).ok).toBe(true);
    expect(limiter.take('d').ok).toBe(false);
    // 'a' was forgotten to make room, so it starts a fresh window.
    expect(limiter.take('a').ok).toBe(true);
  });
});
