/**
 * Once Parley is ready it loads the provider client in the background, so the first
 * reply after a start costs about what later ones do (importing `openai` alone takes
 * ~150 ms); nothing is sent to the provider for it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenAIChatModel } from '../agent/llm.js';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { type Running, startParley, testConfig } from '../test/harness.js';
import { until } from '../test/wait.js';

describe('provider warm-up', () => {
  let parley: Running | undefined;
  let llm: OpenAIDouble | undefined;
  afterEach(async () => {
    await parley?.close();
    await llm?.close();
    vi.restoreAllMocks();
  });

  it('loads the provider client once ready, without calling the provider', async () => {
    llm = await startOpenAIDouble();
    const warm = vi.spyOn(OpenAIChatModel.prototype, 'warm');
    parley = await startParley(testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'k' } }));
    await until(() => warm.mock.calls.length > 0, 5000, { what: 'warm-up' });
    await warm.mock.results[0]!.value;
    expect(llm.requests).toHaveLength(0);
  });
});
