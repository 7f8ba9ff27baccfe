/**
 * `web_search`: asks the configured SearXNG-compatible instance
 * (`GET <url>/search?q=…&format=json`) and returns the top results as a numbered list
 * of title, URL and snippet, plus any direct answers. The instance is the owner's
 * choice (often on the local network), so no SSRF guard applies to it; the pages it
 * lists are read with fetch_url, which has one. Policy from config (auto), deny in
 * groups by default.
 *
 * @example
 * ```ts
 * registry.register(webSearchTool({ url: 'http://127.0.0.1:8888', maxResults: 5, … }))
 * // model: web_search({ query: 'node 22 release date' })
 * ```
 */
import { z } from 'zod';
import { defineTool, type ToolResult } from '../registry.js';
import type { WebSearchConfig } from './search-config.js';

/** The parts of SearXNG's JSON answer that we read (see docs.searxng.org/dev/search_api). */
interface SearxResponse {
  results?: { url?: string; title?: string; content?: string; publishedDate?: string | null }[];
  answers?: (string | { answer?: string })[];
}

export function webSearchTool(config: WebSearchConfig & { url: string }) {
  return defineTool({
    name: 'web_search',
    description:
      'Searches the web and returns the top results (title, URL, snippet). Read a result with fetch_url.',
    policy: config.policy,
    groupPolicy: config.groupPolicy,
    schema: z.object({
      query: z.string().min(1).max(500).describe('What to search for'),
      timeRange: z.enum(['day', 'month', 'year']).optional().describe('Only recent results'),
    }),
    async run({ query, timeRange }, context): Promise<ToolResult> {
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(config.timeoutMs)]);
      try {
        const found = await search(config, query, timeRange, signal);
        return { content: formatResults(found, config.maxResults), details: { query } };
      } catch (error) {
        return { content: `web_search failed: ${(error as Error).message}`, isError: true };
      }
    },
  });
}

async function search(
  config: WebSearchConfig & { url: string },
  query: string,
  timeRange: string | undefined,
  signal: AbortSignal,
): Promise<SearxResponse> {
  const url = new URL('search', config.url.endsWith('/') ? config.url : `${config.url}/`);
  url.searchParams.set('q', query);
  url.searchParams.set('format', 'json');
  if (config.language) url.searchParams.set('language', config.language);
  if (timeRange) url.searchParams.set('time_range', timeRange);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const response = await fetch(url, { headers, signal, redirect: 'error' });
  if (response.status === 403)
    throw new Error(
      'the search instance refused the JSON format (403): enable "json" under search.formats in its settings.yml',
    );
  if (!response.ok) throw new Error(`the search instance answered HTTP ${response.status}`);
  const text = await readCapped(response, config.maxBytes);
  try {
    return JSON.parse(text) as SearxResponse;
  } catch {
    throw new Error('the search instance did not answer JSON');
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`the answer exceeds ${maxBytes} bytes (webSearch.maxBytes)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Numbered results for the model; "No results." when there are none. */
export function formatResults(found: SearxResponse, max: number): string {
  const answers = (found.answers ?? [])
    .map((a) => (typeof a === 'string' ? a : a.answer))
    .filter((a): a is string => Boolean(a));
  const results = (found.results ?? []).filter((r) => r.url).slice(0, max);
  const lines = answers.map((a) => `Answer: ${a}`);
  results.forEach((r, i) => {
    const snippet = (r.content ?? '').replace(/\s+/g, ' ').trim().slice(0, 400);
    lines.push(
      `${i + 1}. ${r.title?.trim() || r.url}\n   ${r.url}${snippet ? `\n   ${snippet}` : ''}`,
    );
  });
  return lines.length ? lines.join('\n') : 'No results.';
}
