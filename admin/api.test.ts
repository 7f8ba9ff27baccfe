import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../test/harness.js';
import { readiness } from './index.js';

describe('admin HTTP API', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let url: string;
  const auth = { authorization: 'Bearer test-token-0123456789abcdef' };
  const get = (path: string) => fetch(`${url}${path}`, { headers: auth });
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-parley-request': '1' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' },
        tools: { policies: { get_time: 'ask' } },
        access: { dmPolicy: 'pairing' },
      }),
    );
    url = parley.app.url;
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });

  it('serves a valid OpenAPI 3.1 document as JSON and YAML', async () => {
    const json = await (await fetch(`${url}/openapi.json`)).json();
    const validator = new Validator();
    const result = await validator.validate(json as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const yaml = YAML.parse(await (await fetch(`${url}/openapi.yaml`)).text());
    expect(yaml).toEqual(json);
  });

  it('documents every API path the admin page calls', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const script = await (await fetch(`${url}/admin/admin.js`)).text();
    const called = [...script.matchAll(/["'](\/api\/[^"'?]*)/g)].map((m) => m[1]!);
    expect(called.length).toBeGreaterThan(8);
    const missing = [...new Set(called)].filter((path) => !(path in doc.paths));
    expect(missing).toEqual([]);
  });

  it('answers /healthz and /readyz without a token, the API only with one', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const anonymous = await fetch(`${url}/readyz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ready: true });
    const ready = await get('/readyz');
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({
      database: 'open',
      'channel:web': 'connected',
    });
    expect((await fetch(`${url}/api/status`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const status = (await (await get('/api/status')).json()) as {
      channels: { id: string; state: string }[];
    };
    expect(status.channels).toContainEqual(
      expect.objectContaining({ id: 'web', state: 'connected' }),
    );
  });

  it('lists one "this node" row on SQLite at /api/nodes, running every channel', async () => {
    expect((await fetch(`${url}/api/nodes`)).status).toBe(401);
    const body = (await (await get('/api/nodes')).json()) as {
      clustered: boolean;
      nodes: { nodeId: string; self: boolean; channels: string[]; leases: string[] }[];
    };
    expect(body.clustered).toBe(false);
    expect(body.nodes).toEqual([
      expect.objectContaining({
        nodeId: 'this node',
        role: 'all',
        self: true,
        leases: [],
        channels: parley.app.channels.map((c) => c.id),
        scheduler: parley.app.scheduler !== undefined,
      }),
    ]);
  });

  it('moves /metrics counters and /api/stats when messages flow', async () => {
    const before = await (await get('/metrics')).text();
    expect(before).toContain('parley_queue_depth');
    const client = await new WebClient(url, parley.app.token).connect();
    await client.send('hello metrics');
    await client.waitForMessages(1);
    await parley.app.bridge.drain();
    const after = await (await get('/metrics')).text();
    const count = (text: string, name: string) =>
      Number(new RegExp(`^${name}\\{channel="web"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    expect(count(after, 'parley_messages_in_total')).toBe(
      count(before, 'parley_messages_in_total') + 1,
    );
    expect(count(after, 'parley_messages_out_total')).toBeGreaterThan(
      count(before, 'parley_messages_out_total'),
    );
    expect(after).toMatch(/parley_llm_latency_seconds_count\{outcome="ok"\} [1-9]/);
    const stats = (await (await get('/api/stats')).json()) as { totals: { messagesIn: number } };
    expect(stats.totals.messagesIn).toBeGreaterThanOrEqual(1);
    client.close();
  });

  it('approves a pending tool call as admin:web and the turn continues', async () => {
    const client = await new WebClient(url, parley.app.token).connect();
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is time.' },
    );
    await client.send('what time is it?');
    await client.waitFor((f) => f.type === 'message' && /Approval needed/.test(f.text ?? ''));
    const pending = (await (await get('/api/approvals')).json()) as { id: string; tool: string }[];
    expect(pending).toHaveLength(1);
    expect(pending[0]!.tool).toBe('get_time');
    expect((await post(`/api/approvals/${pending[0]!.id}`, { answer: 'maybe' })).status).toBe(400);
    const answered = await post(`/api/approvals/${pending[0]!.id}`, { answer: 'approve' });
    expect(answered.status).toBe(200);
    await client.waitFor((f) => f.type === 'message' && f.text === 'It is time.');
    expect((await post(`/api/approvals/${pending[0]!.id}`, { answer: 'approve' })).status).toBe(
      409,
    );
    client.close();
  });

  it('is not ready while a channel is still starting', () => {
    const app = parley.app;
    const starting = {
      ...app.channels[0]!,
      id: 'slow',
      status: () => ({ state: 'starting' as const, since: 0 }),
    };
    expect(readiness({ ...app, channels: [...app.channels, starting] })).toMatchObject({
      ready: false,
      checks: { 'channel:slow': 'starting' },
    });
    expect(readiness(app).ready).toBe(true);
  });

  it('lists, approves and rejects pairing requests', async () => {
    const store = parley.app.accessStore;
    const a = await store.requestPairing('telegram', '42', 'Ann', 60_000);
    const b = await store.requestPairing('telegram', '43', 'Bob', 60_000);
    const list = (await (await get('/api/pairing')).json()) as { code: string }[];
    expect(list.map((r) => r.code)).toEqual(expect.arrayContaining([a.code, b.code]));
    expect((await post(`/api/pairing/${a.code}`, { action: 'approve' })).status).toBe(200);
    expect(await store.isAllowed('telegram', '42')).toBe(true);
    expect((await post(`/api/pairing/${b.code}`, { action: 'reject' })).status).toBe(200);
    expect((await post(`/api/pairing/${b.code}`, { action: 'approve' })).status).toBe(404);
    expect(await store.isAllowed('telegram', '43')).toBe(false);
  });

  it('lists sessions, shows a transcript, exports a user and purges a session', async () => {
    const sessions = (await (await get('/api/sessions')).json()) as {
      id: number;
      channel: string;
      userId?: string;
    }[];
    expect(sessions.length).toBeGreaterThan(0);
    const first = sessions[0]!;
    const transcript = (await (await get(`/api/sessions/${first.id}`)).json()) as {
      messages: { role: string }[];
    };
    expect(transcript.messages.map((m) => m.role)).toContain('user');
    const exported = await get(`/api/export?channel=web&user=${encodeURIComponent(first.userId!)}`);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    expect(((await exported.json()) as { sessions: unknown[] }).sessions.length).toBeGreaterThan(0);
    const purge = await fetch(`${url}/api/sessions/${first.id}`, {
      method: 'DELETE',
      headers: { ...auth, 'x-parley-request': '1' },
    });
    expect(purge.status).toBe(200);
    expect((await get(`/api/sessions/${first.id}`)).status).toBe(404);
  });

  it('pings the provider and lists its models', async () => {
    llm.script.push({ text: 'pong' });
    const ping = (await (await post('/api/provider/ping', {})).json()) as {
      ok: boolean;
      reply: string;
    };
    expect(ping).toMatchObject({ ok: true, reply: 'pong' });
    llm.script.push({ status: 401 });
    const bad = (await (await post('/api/provider/ping', {})).json()) as {
      ok: boolean;
      error: string;
    };
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/bad API key/);
    const models = (await (await get('/api/provider/models')).json()) as { models: string[] };
    expect(models.models).toContain('test-model');
    const tools = (await (await get('/api/tools')).json()) as { name: string; policy: string }[];
    expect(tools).toContainEqual(expect.objectContaining({ name: 'get_time', policy: 'ask' }));
  });
});
