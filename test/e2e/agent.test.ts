/**
 * The agent end to end: web chat (real WebSocket) → inbox → queue → router →
 * OpenAI-compatible double → reply; tools, provider failures and ordering.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';

describe('agent over the web chat', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let client: WebClient;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789' } }),
    );
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });
  afterEach(() => {
    client?.close();
    llm.script.length = 0;
  });

  const connect = async () =>
    (client = await new WebClient(parley.app.url, parley.app.token).connect());

  it('runs a tool-call round trip and stores the call and result in the session', async () => {
    await connect();
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"UTC"}' }] },
      { text: 'It is now.' },
    );
    const before = llm.requests.length;
    await client.send('what time is it?');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toBe('It is now.');
    const second = llm.requests[before + 1]!.body;
    expect(second.tools?.map((t) => t.function.name)).toContain('get_time');
    const toolMessage = second.messages.find((m) => m.role === 'tool')!;
    expect(String(toolMessage.content)).toContain('"timeZone":"UTC"');
    const session = (await parley.app.sessions.list({ limit: 1, offset: 0 }))[0]!;
    const roles = (await parley.app.sessions.transcript(session.id)).map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('retries a provider 500 and then answers', async () => {
    await connect();
    llm.script.push({ status: 500 }, { text: 'recovered' });
    await client.send('hello');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toBe('recovered');
  });

  it('says clearly in the chat when the provider keeps failing', async () => {
    await connect();
    llm.script.push({ status: 503 }, { status: 503 }, { status: 503 });
    await client.send('hello');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toMatch(/AI provider is failing \(HTTP 503\)/);
  });

  it('does not retry a 401 and names the key to check', async () => {
    await connect();
    const before = llm.requests.length;
    llm.script.push({ status: 401 });
    await client.send('hello');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toMatch(/refused the API key.*OPENAI_API_KEY/);
    expect(llm.requests.length - before).toBe(1);
  });

  it('makes a second message in the same conversation wait for the first', async () => {
    await connect();
    llm.script.push({ text: 'first answer', delayMs: 400 }, { text: 'second answer' });
    const before = llm.requests.length;
    await client.send('one');
    await client.send('two');
    const replies = await client.waitForMessages(2);
    expect(replies.map((r) => r.text)).toEqual(['first answer', 'second answer']);
    const secondRequest = llm.requests[before + 1]!.body.messages;
    expect(secondRequest.map((m) => m.content)).toEqual(
      expect.arrayContaining(['one', 'first answer', 'two']),
    );
  });

  it('answers /status, /whoami and /reset without the model', async () => {
    await connect();
    const before = llm.requests.length;
    await client.send('/whoami');
    await client.send('/reset');
    await client.send('/status');
    const replies = await client.waitForMessages(3);
    // Whoever holds the web token is the owner, in every browser (docs/web-chat.md).
    expect(replies[0]!.text).toBe('You are web user (web:owner), role: owner.');
    expect(replies[1]!.text).toMatch(/reset/i);
    expect(replies[2]!.text).toMatch(/model: test-model/);
    expect(llm.requests.length).toBe(before);
  });

  it('drops a duplicate message id and a malformed frame without dying', async () => {
    await connect();
    const first = await client.send('once', 'fixed-id');
    const again = await client.send('once', 'fixed-id');
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    (client as unknown as { ws: { send(s: string): void } }).ws.send('{not json');
    await client.waitFor((f) => f.type === 'error');
    await client.send('still there?');
    const replies = await client.waitForMessages(2);
    expect(replies.map((r) => r.text)).toEqual(['echo: once', 'echo: still there?']);
  });

  it('rejects the page and the socket without the token', async () => {
    const page = await fetch(`${parley.app.url}/`);
    expect(page.status).toBe(401);
    const wrong = await fetch(`${parley.app.url}/?token=wrong-token-value`);
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${parley.app.url}/?token=${parley.app.token}`);
    expect(ok.status).toBe(200);
    const bad = new WebClient(parley.app.url, 'wrong-token-value');
    await expect(bad.connect()).rejects.toThrow(/401/);
  });
});

describe('non-streaming provider', () => {
  it('runs the tool loop with stream: false and stops after maxToolRounds', async () => {
    const llm = await startOpenAIDouble();
    const parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-123456', stream: false, maxToolRounds: 3 },
      }),
    );
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'plain answer' },
    );
    await client.send('time?');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toBe('plain answer');
    expect(llm.requests.every((r) => !r.body.stream)).toBe(true);

    const loop = { toolCalls: [{ name: 'get_time', arguments: '{}' }] };
    llm.script.push(loop, loop, loop, loop);
    await client.send('loop forever');
    const replies = await client.waitForMessages(2);
    expect(replies[1]!.text).toMatch(/stopped after 3 rounds/);
    expect(llm.requests).toHaveLength(5);
    expect(llm.requests[4]!.body.tools).toBeUndefined();
    client.close();
    await parley.close();
    await llm.close();
  });
});

describe('provider problems', () => {
  it('answers with the variables to set when no provider is configured, and keeps running', async () => {
    const parley = await startParley(testConfig());
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    await client.send('hello?');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toContain('OPENAI_API_KEY');
    expect(reply!.text).toContain('OPENAI_BASE_URL');
    expect(parley.app.providerMissing).toContain('OPENAI_API_KEY');
    client.close();
    await parley.close();
  });

  it('gives a clear reply when the provider is down', async () => {
    const llm = await startOpenAIDouble();
    const baseUrl = llm.baseUrl;
    await llm.close();
    const parley = await startParley(testConfig({ llm: { baseUrl, apiKey: 'k', maxRetries: 1 } }));
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    await client.send('hello?');
    const [reply] = await client.waitForMessages(1);
    // Named by its model, never by its URL (which may carry credentials).
    expect(reply!.text).toContain('could not reach the AI provider "test-model"');
    expect(reply!.text).not.toContain(baseUrl);
    client.close();
    await parley.close();
  });
});

describe('provider timeouts', () => {
  it('gives up on a provider that never answers, with a clear reply', async () => {
    const llm = await startOpenAIDouble();
    const parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'k', maxRetries: 0, timeoutMs: 1000 } }),
    );
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push({ hang: true });
    await client.send('hello?');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toContain('did not answer in time');
    llm.script.push({ text: 'back again' });
    await client.send('and now?');
    const replies = await client.waitForMessages(2);
    expect(replies[1]!.text).toBe('back again');
    client.close();
    await parley.close();
    await llm.close();
  });
});
