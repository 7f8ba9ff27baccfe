/**
 * Usage, budgets and the rate limit end to end: a real Parley (createApp) with a
 * scriptable channel, the OpenAI double counting every request it gets, the real
 * SQLite ledger, `/metrics` and `/api/usage` over HTTP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, testConfig } from '../harness.js';

const OWNER = { id: 'owner', name: 'Olga' };
const USER = { id: 'user-1', name: 'Ada' };

describe('usage, budgets and rate limit', () => {
  let llm: OpenAIDouble;
  let parley: Running | undefined;
  let channel: TestChannel;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
  });
  afterAll(() => llm.close());
  afterEach(async () => {
    await parley?.close();
    parley = undefined;
    llm.script.length = 0;
    llm.requests.length = 0;
  });

  const boot = async (overrides: Record<string, unknown> = {}) => {
    channel = new TestChannel('test');
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789' },
        access: { owners: ['test:owner'], dmPolicy: 'open' },
        ...overrides,
        usage: {
          prices: { 'test-model': { input: 1, output: 2, cached: 0.5 } },
          ...(overrides.usage as object | undefined),
        },
      }),
      { channels: [channel] },
    );
    return parley.app;
  };
  /** Sends a DM and waits until its conversation has `replies` more deliveries. */
  const say = async (sender: typeof USER, text: string, replies = 1) => {
    const before = channel.texts(sender.id).length;
    await channel.inject({ text, sender });
    const deadline = Date.now() + 10_000;
    while (channel.texts(sender.id).length < before + replies) {
      if (Date.now() > deadline) throw new Error(`no reply to ${text}: ${channel.texts()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return channel.texts(sender.id).slice(before);
  };
  const metrics = async () => {
    const res = await fetch(`${parley!.app.url}/metrics`, {
      headers: { authorization: 'Bearer test-token-0123456789abcdef' },
    });
    return res.text();
  };

  it('records every model call with tokens, cached tokens, model, latency and cost, attributed', async () => {
    const app = await boot();
    llm.script.push(
      {
        toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"UTC"}' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 40 },
      },
      { text: 'It is noon.', usage: { prompt_tokens: 200, completion_tokens: 10 } },
    );
    expect(await say(USER, 'what time is it?')).toEqual(['It is noon.']);
    expect(llm.requests.every((r) => r.body.stream_options?.include_usage === true)).toBe(true);
    const range = { from: 0, to: Date.now() + 1 };
    const mine = await app.stores.usage.totals({
      ...range,
      userId: 'test:user-1',
      conversationKey: 'test:bot:user-1',
      channel: 'test',
      model: 'test-model',
    });
    // (60 × 1 + 40 × 0.5 + 20 × 2) + (200 × 1 + 10 × 2) per million.
    expect(mine).toEqual({
      calls: 2,
      promptTokens: 300,
      completionTokens: 30,
      cachedTokens: 40,
      tokens: 330,
      cost: 0.00034,
      unpricedCalls: 0,
    });
    const text = await metrics();
    expect(text).toContain(
      'parley_llm_tokens_total{model="test-model",channel="test",type="prompt"} 300',
    );
    expect(text).toContain(
      'parley_llm_tokens_total{model="test-model",channel="test",type="cached"} 40',
    );
    expect(text).toContain('parley_llm_calls_total{model="test-model",channel="test"} 2');
    expect(text).toMatch(/parley_llm_cost_total\{model="test-model",channel="test"\} 0\.00034/);
  });

  it('stops a tool loop between rounds when a budget is reached: a clear reply, no further model call', async () => {
    const app = await boot({
      usage: { outputEstimate: 100, budgets: { perUser: { daily: { tokens: 3000 } } } },
    });
    expect(await say(OWNER, 'hi')).toEqual(['echo: hi']);
    llm.script.push(
      {
        toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"UTC"}' }],
        usage: { prompt_tokens: 2900, completion_tokens: 50 },
      },
      { text: 'must never be asked for' },
    );
    const before = llm.requests.length;
    const [reply] = await say(USER, 'what time is it?');
    expect(llm.requests.length - before).toBe(1);
    expect(reply).toContain(
      "I can't answer this now: your daily token budget (test:user-1) is used up",
    );
    expect(reply).toContain('2,950 tokens of 3,000 tokens used');
    expect(reply).toMatch(/It resets at \d{4}-\d\d-\d\d 00:00 UTC \(in \d+ h \d+ min\)\./);
    expect(reply).toContain(
      'An owner can raise it with `usage.budgets.perUser.daily.tokens` in parley.yaml.',
    );
    // The tool round that ran is in the session; the refusal is not an answer of the model.
    const session = (await app.sessions.list({ limit: 5, offset: 0 })).find(
      (s) => s.key === 'test:bot:user-1',
    )!;
    expect((await app.sessions.transcript(session.id)).map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
    ]);
    // The next message is refused before anything is sent, too.
    expect((await say(USER, 'and now?'))[0]).toContain('is used up');
    expect(llm.requests.length - before).toBe(1);
    // The owner was warned (98 %) and told the budget is reached, each once.
    const owner = async () =>
      channel.texts(OWNER.id).filter((t) => /^(Usage warning|Budget reached)/.test(t));
    await expect.poll(owner).toHaveLength(2);
    const [warning, reached] = await owner();
    expect(warning).toContain(
      'Usage warning: the daily token budget of user test:user-1 is 98 % used',
    );
    expect(reached).toContain(
      'Budget reached: the daily token budget of user test:user-1 is used up',
    );
    expect(await metrics()).toContain(
      'parley_budget_blocked_total{scope="user",period="daily",unit="tokens"} 2',
    );
  });

  it('caps a group conversation for everyone in it, not the members elsewhere', async () => {
    await boot({
      access: { owners: ['test:owner'], allow: ['test:user-1', 'test:user-2'] },
      usage: {
        outputEstimate: 10,
        budgets: { conversations: { 'test:bot:g1': { daily: { tokens: 1000 } } } },
      },
    });
    const group = (id: string, text: string) =>
      channel.inject({
        text,
        sender: { id, name: id },
        chatType: 'group',
        conversationId: 'g1',
        mentionsBot: true,
      });
    llm.script.push({ text: 'first', usage: { prompt_tokens: 980, completion_tokens: 10 } });
    await group('user-1', 'hello');
    await channel.waitForDeliveries(1);
    await group('user-2', 'me too');
    await channel.waitForDeliveries(2);
    const [, refused] = channel.texts('g1');
    expect(refused).toContain(
      'the daily token budget of this conversation (test:bot:g1) is used up (990 tokens of 1,000 tokens used',
    );
    expect(refused).toContain('`usage.budgets.conversations["test:bot:g1"].daily.tokens`');
    expect(llm.requests).toHaveLength(1);
    expect(await say({ id: 'user-2', name: 'Bo' }, 'in my DM')).toEqual(['echo: in my DM']);
  });

  it('warns the owners once at 80 % of the global daily cap', async () => {
    await boot({ usage: { budgets: { global: { daily: { tokens: 10_000 } } } } });
    await say(OWNER, 'hi');
    llm.script.push({ text: 'big', usage: { prompt_tokens: 8000, completion_tokens: 10 } });
    await say(USER, 'a long one');
    const warnings = () => channel.texts(OWNER.id).filter((t) => t.startsWith('Usage warning'));
    await expect.poll(warnings).toHaveLength(1);
    expect(warnings()[0]).toContain(
      'the daily token budget of this Parley (all users together) is 80 % used (8,025 tokens of 10,000 tokens)',
    );
    expect(warnings()[0]).toContain(
      '`usage.budgets.global.daily.tokens` in parley.yaml (or PARLEY_DAILY_TOKEN_BUDGET)',
    );
    llm.script.push({ text: 'more', usage: { prompt_tokens: 500, completion_tokens: 10 } });
    await say(USER, 'again');
    await say(OWNER, 'still there?');
    expect(warnings()).toHaveLength(1);
  });

  it('rate-limits a sender: one clear reply, then silence, nothing stored or sent to the model', async () => {
    const app = await boot({ rateLimit: { messagesPerMinute: 2 } });
    for (const text of ['m1', 'm2', 'm3', 'm4']) await channel.inject({ text, sender: USER });
    await app.bridge.drain();
    const texts = channel.texts(USER.id);
    expect(texts.slice(0, 2)).toEqual(['echo: m1', 'echo: m2']);
    expect(texts[2]).toMatch(
      /faster than I can take them \(limit: 2 per minute\)\. Please wait \d+ s/,
    );
    expect(texts[2]).toContain('rateLimit.messagesPerMinute');
    expect(texts).toHaveLength(3);
    expect(llm.requests).toHaveLength(2);
    const session = (await app.sessions.list({ limit: 5, offset: 0 })).find(
      (s) => s.key === 'test:bot:user-1',
    )!;
    const users = (await app.sessions.transcript(session.id)).filter((m) => m.role === 'user');
    expect(users.map((m) => m.content)).toEqual(['m1', 'm2']);
    // Owners are exempt.
    for (const text of ['o1', 'o2', 'o3']) await channel.inject({ text, sender: OWNER });
    await app.bridge.drain();
    expect(channel.texts(OWNER.id)).toEqual(['echo: o1', 'echo: o2', 'echo: o3']);
    expect(await metrics()).toContain('parley_rate_limited_messages_total{channel="test"} 2');
  });

  it('answers /usage with the sender’s own figures, and everyone’s for owners', async () => {
    await boot({ usage: { budgets: { perUser: { daily: { tokens: 100_000 } } } } });
    llm.script.push({
      text: 'ok',
      usage: { prompt_tokens: 1000, completion_tokens: 234, cached_tokens: 500 },
    });
    await say(USER, 'hello');
    await say(OWNER, 'hi');
    const [mine] = await say(USER, '/usage');
    expect(mine).toContain('Your usage (test:user-1):');
    expect(mine).toContain('today: 1,234 tokens (500 cached) in 1 call · 0.0012 USD');
    expect(mine).toContain('this month: 1,234 tokens (500 cached) in 1 call');
    expect(mine).toMatch(
      /- your daily token budget \(test:user-1\): 1,234 tokens of 100,000 tokens \(1 %\), resets /,
    );
    expect(mine).not.toContain('all users together');
    expect((await say(USER, '/usage all'))[0]).toBe(
      'Only owners can see the usage of everyone. Try /usage.',
    );
    const [all] = await say(OWNER, '/usage all');
    expect(all).toContain('Usage of everyone:');
    expect(all).toContain('today: 1,249 tokens (500 cached) in 2 calls');
    expect(all).toContain('- test:user-1: 1,234 tokens');
    expect(all).toContain('- test:owner: 15 tokens');
    expect(all).toMatch(
      /- the daily token budget of this Parley \(all users together\): 1,249 tokens of 2,000,000 tokens/,
    );
  });

  it('serves the usage report on /api/usage, documented in the OpenAPI schema', async () => {
    const app = await boot({
      usage: { budgets: { users: { 'test:user-1': { monthly: { cost: 1 } } } } },
    });
    llm.script.push({ text: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 0 } });
    await say(USER, 'hello');
    const res = await fetch(`${app.url}/api/usage?days=7`, {
      headers: { authorization: 'Bearer test-token-0123456789abcdef' },
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as Record<string, unknown> & {
      byUser: { key: string; tokens: number }[];
      byDay: { key: string }[];
      budgets: { configKey: string; used: number; limit: number }[];
    };
    expect(report).toMatchObject({
      currency: 'USD',
      days: 7,
      today: { calls: 1, tokens: 1000, cost: 0.001 },
    });
    expect(report.byUser).toEqual([expect.objectContaining({ key: 'test:user-1', tokens: 1000 })]);
    expect(report.byModel).toEqual([expect.objectContaining({ key: 'test-model', calls: 1 })]);
    expect(report.byChannel).toEqual([expect.objectContaining({ key: 'test', calls: 1 })]);
    expect(report.byDay.map((d) => d.key)).toEqual([new Date().toISOString().slice(0, 10)]);
    expect(report.budgets.map((b) => [b.configKey, b.used, b.limit])).toEqual([
      ['usage.budgets.global.daily.tokens', 1000, 2_000_000],
      ['usage.budgets.users["test:user-1"].monthly.cost', 0.001, 1],
    ]);
    expect((await fetch(`${app.url}/api/usage`)).status).toBe(401);
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/api/usage']).toBeDefined();
  });
});
