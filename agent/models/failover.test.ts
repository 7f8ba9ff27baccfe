/**
 * The model layer against real OpenAI-compatible servers on loopback (the double),
 * misbehaving as real providers do: failover on 503 but not on 400, stalls caught
 * by the idle timeout, streams that break off, garbled events, the deadline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { llmSchema } from '../config.js';
import { type Completion, type CompletionRequest, OpenAIChatModel, ProviderError } from '../llm.js';
import type { ModelEvent } from './types.js';

let first: OpenAIDouble;
let second: OpenAIDouble;

beforeAll(async () => {
  [first, second] = await Promise.all([startOpenAIDouble(), startOpenAIDouble()]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});
afterEach(() => {
  for (const double of [first, second]) {
    double.script.length = 0;
    double.requests.length = 0;
  }
});

function model(overrides: Record<string, unknown> = {}) {
  return new OpenAIChatModel(
    llmSchema.parse({
      baseUrl: first.baseUrl,
      apiKey: 'sk-first',
      model: 'big',
      maxRetries: 1,
      idleTimeoutMs: 300,
      deadlineMs: 10_000,
      fallbacks: [{ name: 'backup', model: 'small', baseUrl: second.baseUrl, apiKey: 'sk-second' }],
      ...overrides,
    }),
    { backoffMs: 1 },
  );
}

async function ask(
  chat: OpenAIChatModel,
  extra: Partial<CompletionRequest> = {},
): Promise<{ completion: Completion; shown: string; events: ModelEvent[] }> {
  let shown = '';
  const events: ModelEvent[] = [];
  const completion = await chat.complete({
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    onDelta: (delta) => {
      shown += delta;
    },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { completion, shown, events };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('failover', () => {
  it('tries the second provider when the first keeps answering 503, and says who answered', async () => {
    first.script.push({ status: 503 }, { status: 503 });
    second.script.push({ text: 'from the backup' });
    const { completion, events } = await ask(model());
    expect(completion.content).toBe('from the backup');
    expect(completion.model).toBe('backup');
    expect(first.requests).toHaveLength(2);
    expect(second.requests[0]!.body.model).toBe('small');
    expect(events).toEqual([
      { type: 'retry', model: 'big', reason: 'server', attempt: 1 },
      { type: 'fallback', from: 'big', to: 'backup', reason: 'server' },
    ]);
  });

  it('does not fail over on 400: the request itself is wrong', async () => {
    first.script.push({ status: 400 });
    const error = await failure(ask(model()));
    expect(error.kind).toBe('refused');
    expect(error.userMessage).toContain('HTTP 400');
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(0);
  });

  it('fails over on 429 and on a refused connection', async () => {
    first.script.push({ status: 429 }, { status: 429 });
    expect((await ask(model())).completion.model).toBe('backup');
    const gone = await startOpenAIDouble();
    const url = gone.baseUrl;
    await gone.close();
    const { completion, events } = await ask(model({ baseUrl: url, maxRetries: 0 }));
    expect(completion.model).toBe('backup');
    expect(events).toEqual([{ type: 'fallback', from: 'big', to: 'backup', reason: 'connection' }]);
  });

  it('asks the preferred model first and keeps the others as fallbacks', async () => {
    const { completion } = await ask(model(), { model: 'backup' });
    expect(completion.model).toBe('backup');
    expect(first.requests).toHaveLength(0);
    second.script.push({ status: 500 }, { status: 500 });
    expect((await ask(model(), { model: 'backup' })).completion.model).toBe('big');
  });

  it('sends the API key of the primary only to its own host', async () => {
    const chat = model({ fallbacks: [{ model: 'other', baseUrl: second.baseUrl }] });
    first.script.push({ status: 503 }, { status: 503 });
    await ask(chat);
    expect(second.requests).toHaveLength(1);
    expect(second.requests[0]!.headers.authorization).toBe('Bearer not-needed');
    expect(first.requests[0]!.headers.authorization).toBe('Bearer sk-first');
  });
});

describe('streams that stall or lie', () => {
  it('a stall right after the headers hits the idle timeout and the retry succeeds', async () => {
    first.script.push({ text: 'never sent', fault: 'stall' }, { text: 'second try' });
    const started = Date.now();
    const { completion, shown, events } = await ask(model());
    expect(completion.content).toBe('second try');
    expect(shown).toBe('second try');
    expect(events[0]).toMatchObject({ type: 'retry', reason: 'stall' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a request that hangs before the headers counts as a stall too', async () => {
    first.script.push({ hang: true }, { text: 'ok' });
    expect((await ask(model())).completion.content).toBe('ok');
  });

  it('a stream that breaks off before any text is retried', async () => {
    first.script.push({ text: 'lost', fault: 'truncate' }, { text: 'whole answer' });
    const { completion, events } = await ask(model());
    expect(completion).toMatchObject({ content: 'whole answer' });
    expect(completion.cutOff).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'retry', reason: 'truncated' });
  });

  it('a stream that breaks off after text was shown is marked cut off, not retried', async () => {
    first.script.push({ text: 'one two three four', fault: 'truncate', faultAfter: 2 });
    const { completion, shown } = await ask(model());
    expect(shown).toBe('one two ');
    expect(completion).toMatchObject({ content: 'one two ', cutOff: true, toolCalls: [] });
    expect(first.requests).toHaveLength(1);
  });

  it('finish_reason length is incomplete: cut off when text was shown', async () => {
    first.script.push({ text: 'long answer', finishReason: 'length' });
    expect((await ask(model())).completion.cutOff).toBe(true);
  });

  it('garbled JSON, an error event and a reset socket are retried when nothing was shown', async () => {
    first.script.push({ fault: 'garbage', text: 'x' }, { text: 'clean' });
    expect((await ask(model())).completion.content).toBe('clean');
    first.script.push({ fault: 'error', text: 'x' }, { text: 'clean' });
    expect((await ask(model())).completion.content).toBe('clean');
    first.script.push({ fault: 'reset', text: 'x' }, { text: 'clean' });
    expect((await ask(model())).completion.content).toBe('clean');
  });

  it('a failure after text was shown is not retried and keeps what was shown', async () => {
    first.script.push({ text: 'half of it and more', fault: 'stall', faultAfter: 2 });
    const error = await failure(ask(model()));
    expect(error.kind).toBe('stall');
    expect(error.partial).toBe('half of ');
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(0);
  });

  it('every provider stalling ends at the deadline with a clear error', async () => {
    const echo = first.fallback;
    first.fallback = () => ({ hang: true });
    second.fallback = () => ({ hang: true });
    try {
      const started = Date.now();
      const error = await failure(
        ask(model({ idleTimeoutMs: 5000, deadlineMs: 1000, maxRetries: 5 })),
      );
      expect(error.kind).toBe('deadline');
      expect(error.userMessage).toContain('within 1 s');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      first.fallback = second.fallback = echo;
    }
  });

  it('stops at once when the caller aborts', async () => {
    first.script.push({ text: 'slow words here', deltaDelayMs: 200 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 250);
    const error = await failure(ask(model(), { signal: controller.signal }));
    expect(error.kind).toBe('aborted');
    expect(first.requests).toHaveLength(1);
  });

  it('without streaming, a hung provider times out and the retry answers', async () => {
    first.script.push({ hang: true }, { text: 'plain' });
    const chat = model({ stream: false, timeoutMs: 1000 });
    expect((await ask(chat)).completion.content).toBe('plain');
  });
});

describe('config', () => {
  it('names the key and the fix for a duplicate model name or an unknown channel model', () => {
    const duplicate = llmSchema.safeParse({ model: 'm', fallbacks: [{ model: 'm' }] });
    expect(duplicate.error?.issues[0]).toMatchObject({ path: ['fallbacks', 0, 'name'] });
    expect(duplicate.error?.issues[0]?.message).toContain('give this entry its own name');
    const unknown = llmSchema.safeParse({ model: 'm', channels: { telegram: 'nope' } });
    expect(unknown.error?.issues[0]).toMatchObject({ path: ['channels', 'telegram'] });
    expect(unknown.error?.issues[0]?.message).toContain('use one of m');
  });
});
