/**
 * One provider attempt over the wire, against the OpenAI double behind a counter of
 * TCP connections: what is sent (path, key, body), what is read (text, tool calls,
 * usage), and that calls share one keep-alive connection (a stream left before the
 * end of its body would destroy its socket, and every turn would pay a new one).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { OpenAIProvider } from './openai.js';
import type { Provider } from './providers.js';

let double: OpenAIDouble;
let proxy: Server;
let proxyUrl: string;
let connections = 0;

/** A pass-through HTTP proxy in front of the double that counts client connections. */
beforeAll(async () => {
  double = await startOpenAIDouble();
  const target = new URL(double.baseUrl);
  proxy = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  proxy.on('connection', () => connections++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await double.close();
});

function provider(stream: boolean): OpenAIProvider {
  const config: Provider = {
    name: 'main',
    model: 'big',
    baseUrl: `${proxyUrl}/`,
    apiKey: 'sk-test',
    stream,
    timeoutMs: 5000,
    idleTimeoutMs: 5000,
    maxRetries: 0,
    temperature: 0.2,
  };
  return new OpenAIProvider(config);
}

const ask = (p: OpenAIProvider, onDelta?: (delta: string) => void) =>
  p.attempt({
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    ...(onDelta ? { onDelta } : {}),
  });

describe('OpenAIProvider', () => {
  it('streams text and usage, and sends the model, key and stream options', async () => {
    double.script.push({
      text: 'Hello there friend',
      usage: { prompt_tokens: 7, completion_tokens: 3, cached_tokens: 2 },
    });
    let shown = '';
    const { completion, finishReason } = await ask(provider(true), (delta) => {
      shown += delta;
    });
    expect(shown).toBe('Hello there friend');
    expect(completion).toMatchObject({ content: 'Hello there friend', model: 'main' });
    expect(completion.usage).toEqual({ promptTokens: 7, completionTokens: 3, cachedTokens: 2 });
    expect(finishReason).toBe('stop');
    const sent = double.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'big', stream: true, temperature: 0.2 });
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  it('assembles streamed tool calls and reads a non-streamed answer', async () => {
    double.script.push({
      toolCalls: [{ name: 'get_time', arguments: '{"zone":"UTC"}', id: 'c1' }],
    });
    const streamed = await ask(provider(true));
    expect(streamed.completion.toolCalls).toEqual([
      { id: 'c1', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } },
    ]);
    expect(streamed.finishReason).toBe('tool_calls');
    double.script.push({ text: 'whole' });
    const single = await ask(provider(false));
    expect(single.completion.content).toBe('whole');
    expect(double.requests.at(-1)!.body.stream).toBe(false);
  });

  it('sends each tool list as given, a list of its own after a change', async () => {
    const tool = (name: string) => ({
      type: 'function' as const,
      function: { name, description: `the ${name} tool`, parameters: { type: 'object' } },
    });
    const first = [tool('get_time')];
    const changed = [tool('get_time'), tool('recall')];
    const p = provider(true);
    for (const tools of [first, first, changed]) {
      double.script.push({ text: 'ok' });
      await p.attempt({ messages: [{ role: 'user', content: 'hi' }], tools });
      expect(double.requests.at(-1)!.body).toMatchObject({
        model: 'big',
        messages: [{ role: 'user', content: 'hi' }],
        tools,
        temperature: 0.2,
        stream: true,
      });
    }
    await ask(p);
    expect(double.requests.at(-1)!.body).not.toHaveProperty('tools');
  });

  it('keeps one connection for consecutive calls, streamed or not', async () => {
    const p = provider(true);
    await ask(p);
    const before = connections;
    for (let i = 0; i < 5; i++) await ask(p);
    await ask(provider(false));
    expect(connections).toBe(before);
  });

  it('lists the models and maps an error status to a refusal', async () => {
    expect(await provider(true).listModels()).toEqual(['test-model']);
    double.script.push({ status: 401 });
    const error = await ask(provider(true)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'refused', status: 401, message: '401 scripted 401' });
  });
});
