/**
 * The meter around a real OpenAI client talking to the loopback double, on a real
 * SQLite ledger: what is recorded, what a budget refuses before sending, prices; and
 * one budget shared by two nodes on a Postgres ledger.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pingProvider } from '../../admin/provider.js';
import { openPostgresStores, type PostgresStores } from '../../sessions/postgres/index.js';
import { openSqliteStores, type SqliteStores } from '../../sessions/sqlite/index.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { tempDir } from '../../test/harness.js';
import { freshSchema, postgres } from '../../test/postgres.js';
import { llmSchema } from '../config.js';
import { type ChatModel, type CompletionRequest, OpenAIChatModel } from '../llm.js';
import { budgetsFor, unpricedWarning } from './budgets.js';
import { type UsageConfig, usageSchema } from './config.js';
import { BudgetExceededError, estimatePromptTokens, UsageMeter } from './meter.js';
import { metered } from './metered.js';

const who = { userId: 'test:u1', conversationKey: 'test:a:u1', channel: 'test' };
const usageConfig = (extra: Record<string, unknown> = {}): UsageConfig =>
  usageSchema.parse({ prices: { 'test-model': { input: 1, output: 2, cached: 0.5 } }, ...extra });

describe('metered model', () => {
  let llm: OpenAIDouble;
  let stores: SqliteStores;
  beforeAll(async () => {
    llm = await startOpenAIDouble();
  });
  afterAll(() => llm.close());
  beforeEach(() => {
    stores = openSqliteStores(join(tempDir(), 'parley.db'));
    llm.script.length = 0;
    llm.requests.length = 0;
  });

  const model = (stream: boolean, meter: UsageMeter) =>
    metered(
      new OpenAIChatModel(
        llmSchema.parse({
          baseUrl: llm.baseUrl,
          apiKey: 'k',
          model: 'test-model',
          stream,
          maxRetries: 0,
        }),
      ),
      meter,
    );

  for (const stream of [true, false])
    it(`records tokens, cached tokens, model, latency and cost of a ${stream ? 'streamed' : 'plain'} call`, async () => {
      const meter = new UsageMeter(stores.usage, usageConfig());
      llm.script.push({
        text: 'hi there',
        usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 400 },
      });
      const completion = await model(stream, meter).complete({
        messages: [{ role: 'user', content: 'hello' }],
        tools: [],
        attribution: { ...who, jobId: 'job-7' },
      });
      expect(completion.usage).toEqual({
        promptTokens: 1000,
        completionTokens: 100,
        cachedTokens: 400,
      });
      if (stream) expect(llm.requests[0]!.body.stream_options).toEqual({ include_usage: true });
      const totals = await stores.usage.totals({
        from: 0,
        to: Date.now() + 1,
        jobId: 'job-7',
        ...who,
      });
      // 600 input at 1, 400 cached at 0.5, 100 output at 2 per million.
      expect(totals).toEqual({
        calls: 1,
        promptTokens: 1000,
        completionTokens: 100,
        cachedTokens: 400,
        tokens: 1100,
        cost: 0.001,
        unpricedCalls: 0,
      });
      const [row] = await stores.usage.breakdown('model', { from: 0, to: Date.now() + 1 });
      expect(row!.key).toBe('test-model');
    });

  it('refuses a call over a budget before sending it, naming the budget, reset and key', async () => {
    const meter = new UsageMeter(
      stores.usage,
      usageConfig({ outputEstimate: 100, budgets: { perUser: { daily: { tokens: 1500 } } } }),
    );
    const events: string[] = [];
    meter.on((event) => events.push(event.type));
    llm.script.push({ text: 'one', usage: { prompt_tokens: 1300, completion_tokens: 100 } });
    const chat = model(true, meter);
    const request = {
      messages: [{ role: 'user' as const, content: 'hello' }],
      tools: [],
      attribution: who,
    };
    await chat.complete(request);
    const refused = await chat.complete(request).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    const text = (refused as BudgetExceededError).userMessage;
    expect(text).toContain(
      'your daily token budget (test:u1) is used up (1,400 tokens of 1,500 tokens used',
    );
    expect(text).toMatch(/resets at \d{4}-\d\d-\d\d 00:00 UTC \(in /);
    expect(text).toContain('`usage.budgets.perUser.daily.tokens` in parley.yaml');
    expect(llm.requests).toHaveLength(1);
    // 1,400 of 1,500 is past 80 %: a warning, then the refusal and its alert.
    expect(events).toEqual(['call', 'alert', 'blocked', 'alert']);
    // Another user is not held back by this user's budget.
    llm.script.push({ text: 'two' });
    await chat.complete({ ...request, attribution: { ...who, userId: 'test:u2' } });
    expect(llm.requests).toHaveLength(2);
  });

  it('warns the owners once per period when a budget passes warnAt', async () => {
    const alerts: string[] = [];
    let now = Date.UTC(2026, 11, 2, 10);
    const meter = new UsageMeter(
      stores.usage,
      usageConfig({ budgets: { global: { daily: { tokens: 10_000 } } } }),
      {
        alert: (text) => void alerts.push(text),
        clock: () => now,
      },
    );
    const chat = model(false, meter);
    const request = {
      messages: [{ role: 'user' as const, content: 'x' }],
      tools: [],
      attribution: who,
    };
    for (const prompt of [7000, 1000, 100]) {
      llm.script.push({ text: 'ok', usage: { prompt_tokens: prompt, completion_tokens: 0 } });
      await chat.complete(request);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(
      'Usage warning: the daily token budget of this Parley (all users together) is 80 % used (8,000 tokens of 10,000 tokens)',
    );
    expect(alerts[0]).toContain(
      '`usage.budgets.global.daily.tokens` in parley.yaml (or PARLEY_DAILY_TOKEN_BUDGET)',
    );
    // The next UTC day is a new period: the ledger starts from zero and may warn again.
    now += 86_400_000;
    llm.script.push({ text: 'ok', usage: { prompt_tokens: 8500, completion_tokens: 0 } });
    await chat.complete(request);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alerts).toHaveLength(2);
  });

  it('refuses calls without attribution (admin ping) by the global budget, saying which key to raise', async () => {
    const meter = new UsageMeter(
      stores.usage,
      usageConfig({ budgets: { global: { daily: { tokens: 500 } } } }),
    );
    const check = await pingProvider(model(false, meter), undefined);
    expect(check).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^not sent: the budget usage\.budgets\.global\.daily\.tokens has no room for it \(0 of 500 used\)/,
      ),
      fix: expect.stringContaining('(or PARLEY_DAILY_TOKEN_BUDGET)'),
    });
    expect(llm.requests).toHaveLength(0);
    // The user's words say a request too large for what is left, not "used up".
    const refused = (await model(false, meter)
      .complete({ messages: [{ role: 'user', content: 'x' }], tools: [], attribution: who })
      .catch((error: unknown) => error)) as BudgetExceededError;
    expect(refused.userMessage).toContain(
      'of this Parley (all users together) has no room for this request (0 tokens of 500 tokens used; this request needs about 1,029 tokens)',
    );
  });

  it("wraps only complete: the name, listModels and other members stay the inner model's, read live", async () => {
    const meter = new UsageMeter(stores.usage, usageConfig());
    class Switching {
      #current = 'a';
      get name() {
        return this.#current;
      }
      use(name: string) {
        this.#current = name;
      }
      async complete(_request: CompletionRequest) {
        return { content: 'ok', toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 } };
      }
      async listModels() {
        return ['a', 'b'];
      }
    }
    const chat = metered(new Switching(), meter);
    chat.use('b');
    expect(chat.name).toBe('b');
    expect(await chat.listModels()).toEqual(['a', 'b']);
    await chat.complete({ messages: [], tools: [], attribution: who });
    const [row] = await stores.usage.breakdown('model', { from: 0, to: Date.now() + 1 });
    expect(row).toMatchObject({ key: 'b', calls: 1 });
  });

  it('counts a call whose server reports no usage by estimate, so budgets still hold', async () => {
    const meter = new UsageMeter(stores.usage, usageConfig());
    const inner: ChatModel = {
      name: 'local',
      complete: async () => ({ content: 'x'.repeat(400), toolCalls: [], usage: undefined }),
    };
    await metered(inner, meter).complete({
      messages: [{ role: 'user', content: 'y'.repeat(800) }],
      tools: [],
      attribution: who,
    });
    expect(
      await stores.usage.totals({ from: 0, to: Date.now() + 1, model: 'local' }),
    ).toMatchObject({
      calls: 1,
      promptTokens: 204,
      completionTokens: 100,
    });
  });

  it('counts a model without a price in tokens only; a dated snapshot uses its base price', async () => {
    const meter = new UsageMeter(
      stores.usage,
      usageConfig({ prices: { 'gpt-4o': { input: 2.5, output: 10 } } }),
    );
    expect(meter.costOf('gpt-4o-2024-08-06', { prompt: 1e6, completion: 0, cached: 5e5 })).toBe(
      2.5,
    );
    expect(meter.costOf('local-llama', { prompt: 1e6, completion: 1e6, cached: 0 })).toBeNull();
    llm.script.push({ text: 'ok' });
    await model(true, meter).complete({
      messages: [{ role: 'user', content: 'x' }],
      tools: [],
      attribution: who,
    });
    expect(await stores.usage.totals({ from: 0, to: Date.now() + 1 })).toMatchObject({
      calls: 1,
      tokens: 15,
      cost: 0,
      unpricedCalls: 1,
    });
  });
});

describe('budgets', () => {
  it('has a global daily token cap of 2,000,000 by default, and 0 removes it', () => {
    expect(budgetsFor(usageSchema.parse({}), who)).toEqual([
      {
        scope: 'global',
        period: 'daily',
        unit: 'tokens',
        limit: 2_000_000,
        configKey: 'usage.budgets.global.daily.tokens',
        env: 'PARLEY_DAILY_TOKEN_BUDGET',
      },
    ]);
    expect(
      budgetsFor(usageSchema.parse({ budgets: { global: { daily: { tokens: 0 } } } }), who),
    ).toEqual([]);
  });

  it('applies per-user, per-conversation and per-channel caps; an exception replaces its period only', () => {
    const config = usageSchema.parse({
      budgets: {
        perUser: { daily: { tokens: 100 }, monthly: { cost: 5 } },
        users: { 'test:u1': { daily: { tokens: 900 } } },
        conversations: { 'test:a:u1': { monthly: { tokens: 5000 } } },
        perChannel: { daily: { cost: 1 } },
      },
    });
    const keys = budgetsFor(config, who).map((b) => `${b.configKey}=${b.limit}`);
    expect(keys).toEqual([
      'usage.budgets.global.daily.tokens=2000000',
      'usage.budgets.users["test:u1"].daily.tokens=900',
      'usage.budgets.perUser.monthly.cost=5',
      'usage.budgets.conversations["test:a:u1"].monthly.tokens=5000',
      'usage.budgets.perChannel.daily.cost=1',
    ]);
    expect(budgetsFor(config, {}).map((b) => b.scope)).toEqual(['global']);
  });

  it('warns when cost budgets exist but the model has no price', () => {
    const config = usageSchema.parse({ budgets: { perUser: { monthly: { cost: 5 } } } });
    expect(unpricedWarning(config, 'llama3', false)).toContain('add it to usage.prices');
    expect(unpricedWarning(config, 'llama3', true)).toBeUndefined();
    expect(unpricedWarning(usageSchema.parse({}), 'llama3', false)).toBeUndefined();
  });

  it('estimates a request at 4 characters per token, an image as 1,000 tokens', () => {
    const text = estimatePromptTokens({
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
      tools: [],
    });
    expect(text).toBe(104);
    const image = estimatePromptTokens({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(1e6)}` } },
          ],
        },
      ],
      tools: [],
    });
    expect(image).toBe(1004);
  });
});

describe('usage config errors', () => {
  it('name the key and what is expected', async () => {
    const { validate } = await import('../../cli/config/load.js');
    expect(() =>
      validate({ usage: { budgets: { users: { alice: { daily: { tokens: 5 } } } } } }),
    ).toThrow(
      'usage.budgets.users: the key "alice" is not valid (expected "channel:senderId"). Fix: rename it in parley.yaml.',
    );
    expect(() => validate({ usage: { budgets: { perUser: { weekly: { tokens: 5 } } } } })).toThrow(
      /usage\.budgets\.perUser.*weekly/s,
    );
    expect(() => validate({ rateLimit: { messagesPerMinute: -1 } })).toThrow(
      /rateLimit\.messagesPerMinute/,
    );
  });
});

// Several nodes write one ledger: each meter sums it on every check (cacheSums: false,
// as cli/app.ts sets on Postgres), so a budget used up on node A refuses on node B.
describe.skipIf(!postgres.available)(
  `metered model on two Postgres nodes ${postgres.skipReason}`,
  () => {
    let llm: OpenAIDouble;
    beforeAll(async () => {
      llm = await startOpenAIDouble();
    });
    afterAll(() => llm.close());

    it('shares a budget across nodes: what node A used counts on node B', async () => {
      const url = await freshSchema();
      const [a, b] = await Promise.all([openPostgresStores(url), openPostgresStores(url)]);
      const config = usageConfig({
        outputEstimate: 100,
        budgets: { global: { daily: { tokens: 1500 } } },
      });
      const chat = (stores: PostgresStores) =>
        metered(
          new OpenAIChatModel(
            llmSchema.parse({
              baseUrl: llm.baseUrl,
              apiKey: 'k',
              model: 'test-model',
              maxRetries: 0,
            }),
          ),
          new UsageMeter(stores.usage, config, { cacheSums: false }),
        );
      const onA = chat(a);
      const onB = chat(b);
      const request = {
        messages: [{ role: 'user' as const, content: 'hello' }],
        tools: [],
        attribution: who,
      };
      llm.script.push({ text: 'b first', usage: { prompt_tokens: 10, completion_tokens: 5 } });
      await onB.complete(request);
      llm.script.push({ text: 'a', usage: { prompt_tokens: 1300, completion_tokens: 100 } });
      await onA.complete(request);
      const refused = await onB.complete(request).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect(llm.requests).toHaveLength(2);
      expect((await b.usage.totals({ from: 0, to: Date.now() + 1 })).tokens).toBe(1415);
      await Promise.all([a.close(), b.close()]);
    });
  },
);
