import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SearxDouble, startSearxDouble } from '../../test/doubles/searxng.js';
import { ToolRegistry } from '../registry.js';
import { webSearchTool } from './search.js';
import { webSearchSchema } from './search-config.js';

const context = {
  sessionId: 1,
  conversationKey: 'test:a:c',
  channel: 'test',
  senderId: 'u',
  signal: new AbortController().signal,
};

describe('web_search against a SearXNG instance', () => {
  let searx: SearxDouble;
  beforeAll(async () => {
    searx = await startSearxDouble({
      parley: [
        {
          url: 'https://parley.example/',
          title: 'Parley',
          content: 'One agent,\n many messengers.',
        },
        { url: 'https://parley.example/docs', title: 'Parley docs', content: 'How to run it.' },
      ],
    });
  });
  afterAll(() => searx.close());
  const config = () =>
    webSearchSchema.parse({ url: searx.url, maxResults: 1, apiKey: 'k-123', language: 'de' });

  it('asks the JSON API and returns numbered results, capped at maxResults', async () => {
    const result = await webSearchTool({ ...config(), url: searx.url }).run(
      { query: 'Parley', timeRange: 'month' },
      context,
    );
    expect(result.isError).toBeUndefined();
    expect(result.content).toBe(
      '1. Parley\n   https://parley.example/\n   One agent, many messengers.',
    );
    const asked = searx.requests.at(-1)!;
    expect(asked.pathname).toBe('/search');
    expect(Object.fromEntries(asked.searchParams)).toEqual({
      q: 'Parley',
      format: 'json',
      language: 'de',
      time_range: 'month',
    });
  });

  it('says "No results." and explains a 403 (json format disabled) with the fix', async () => {
    const tool = webSearchTool({ ...config(), url: searx.url });
    expect((await tool.run({ query: 'nothing here' }, context)).content).toBe('No results.');
    searx.jsonEnabled = false;
    const refused = await tool.run({ query: 'parley' }, context);
    searx.jsonEnabled = true;
    expect(refused.isError).toBe(true);
    expect(refused.content).toContain('search.formats');
  });

  it('reports an unreachable instance as a tool error', async () => {
    const tool = webSearchTool({ ...config(), url: 'http://127.0.0.1:9' });
    const result = await tool.run({ query: 'x' }, context);
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/^web_search failed/);
  });

  it('is auto in DMs and denied in groups by default, through the registry', () => {
    const registry = new ToolRegistry();
    registry.register(webSearchTool({ ...config(), url: searx.url }));
    expect(registry.policy('web_search', 'dm')).toBe('auto');
    expect(registry.policy('web_search', 'group')).toBe('deny');
    expect(registry.definitions('group').map((d) => d.function.name)).not.toContain('web_search');
  });
});
