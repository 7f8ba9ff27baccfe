/**
 * Localhost is not a trust boundary: a page served on another loopback port is
 * same-site with Parley, so Chromium sends it the SameSite=Strict token cookie.
 * Logged in first (the cookie is set), the browser then visits a hostile page on a
 * second port which tries to open `/ws` and to approve a pairing request with a
 * `text/plain` POST (no preflight) and with a JSON + custom header POST (preflight).
 * Parley refuses all three: the Origin check and the required header.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type Running, startParley, testConfig } from '../harness.js';

const skip = browserUnavailable() !== undefined;

function hostilePage(target: string, code: string): string {
  return `<!doctype html><title>hostile</title><script>
  const results = {};
  const ws = new WebSocket('${target.replace('http', 'ws')}/ws?client=attacker0001');
  ws.onopen = () => { results.ws = 'open'; };
  ws.onerror = () => { results.ws = results.ws || 'refused'; };
  const approve = '${target}/api/pairing/${code}';
  fetch(approve, { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ action: 'approve' }) })
    .then(() => { results.simple = 'sent'; }, () => { results.simple = 'failed'; });
  fetch(approve, { method: 'POST', credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-parley-request': '1' }, body: JSON.stringify({ action: 'approve' }) })
    .then((r) => { results.preflighted = 'status ' + r.status; }, () => { results.preflighted = 'blocked'; });
  window.results = results;
</script>`;
}

describe.skipIf(skip)('a page on another loopback port', () => {
  let parley: Running;
  let hostile: Server;
  let hostileUrl: string;
  let code: string;

  beforeAll(async () => {
    parley = await startParley(testConfig({ access: { dmPolicy: 'pairing' } }));
    code = (await parley.app.accessStore.requestPairing('telegram', '666', 'Mallory', 60_000)).code;
    hostile = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(hostilePage(parley.app.url, code));
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => hostile?.close(resolve));
    await parley?.close();
  });

  it('can neither open /ws nor approve via POST, although the cookie is sent', async () => {
    const { browser, close } = await launchBrowser();
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${parley.app.url}/?token=${parley.app.token}`);
      expect((await browser.cookies(parley.app.url)).map((c) => c.name)).toContain('parley_token');
      await page.goto(hostileUrl);
      await page.waitForFunction(
        () => {
          const r = (globalThis as unknown as { results: Record<string, string> }).results;
          return r.ws && r.simple && r.preflighted;
        },
        undefined,
        { timeout: 10_000 },
      );
      const results = await page.evaluate(
        () => (globalThis as unknown as { results: Record<string, string> }).results,
      );
      expect(results.ws).toBe('refused');
      expect(results.preflighted).toBe('blocked');
      expect(await parley.app.accessStore.isAllowed('telegram', '666')).toBe(false);
      expect((await parley.app.accessStore.pending()).map((p) => p.code)).toContain(code);
    } finally {
      await close();
    }
  });
});
