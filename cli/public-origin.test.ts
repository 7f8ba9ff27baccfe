/**
 * Behind a reverse proxy the browser's Origin is the proxy's address, not the bound
 * one: `web.publicOrigin` lets it open the WebSocket and change state, while any
 * other origin is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Running, startParley, testConfig } from '../test/harness.js';

const PUBLIC = 'https://chat.example.com';

function upgrade(url: string, token: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${url.replace('http', 'ws')}/ws?client=proxyclient01&token=${token}`,
      {
        origin,
      },
    );
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('web.publicOrigin', () => {
  let parley: Running;
  let plain: Running;
  beforeAll(async () => {
    parley = await startParley(testConfig({ web: { publicOrigin: PUBLIC } }));
    plain = await startParley(testConfig());
  });
  afterAll(async () => {
    await parley.close();
    await plain.close();
  });

  it('accepts the WebSocket and state-changing requests from the public origin', async () => {
    const { url, token } = parley.app;
    expect(await upgrade(url, token, PUBLIC)).toBe(101);
    const post = await fetch(`${url}/api/pairing/NOCODE`, {
      method: 'POST',
      headers: {
        origin: PUBLIC,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-parley-request': '1',
      },
      body: JSON.stringify({ action: 'approve' }),
    });
    expect(post.status).toBe(404); // past the Origin guard: the code is unknown
  });

  it('still refuses other origins, and the public origin where it is not configured', async () => {
    expect(await upgrade(parley.app.url, parley.app.token, 'https://evil.example.com')).toBe(403);
    expect(await upgrade(plain.app.url, plain.app.token, PUBLIC)).toBe(403);
  });
});
