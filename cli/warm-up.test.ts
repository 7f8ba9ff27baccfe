/**
 * Once Parley is ready it pre-pays, in the background, what only the first turn
 * would pay: the tools' JSON Schemas (DM and group lists) and the global budgets'
 * running sums from the ledger. Nothing is sent to the provider for it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageMeter } from '../agent/usage/meter.js';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { type Running, startParley, testConfig } from '../test/harness.js';
import { until } from '../test/wait.js';
import { ToolRegistry } from '../tools/registry.js';

describe('warm-up once ready', () => {
  let parley: Running | undefined;
  let llm: OpenAIDouble | undefined;
  afterEach(async () => {
    await parley?.close();
    await llm?.close();
    vi.restoreAllMocks();
  });

  it('builds the tool definitions and loads the budget sums, without calling the provider', async () => {
    llm = await startOpenAIDouble();
    const definitions = vi.spyOn(ToolRegistry.prototype, 'definitions');
    const budgets = vi.spyOn(UsageMeter.prototype, 'statusOf');
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'k' },
        usage: { budgets: { global: { daily: { tokens: 1000 } } } },
      }),
    );
    await until(() => budgets.mock.calls.length > 0, 5000, { what: 'warm-up' });
    const [status] = await budgets.mock.results[0]!.value;
    expect(status).toMatchObject({ scope: 'global', period: 'daily', used: 0 });
    expect(definitions.mock.calls.map(([chatType]) => chatType)).toEqual([undefined, 'group']);
    expect(llm.requests).toHaveLength(0);
  });
});
