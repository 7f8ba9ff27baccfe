/**
 * A SearXNG instance on 127.0.0.1, answering its search API as documented
 * (docs.searxng.org/dev/search_api): `GET /search` or `GET /` with `q`, and
 * `format=json` only when the json format is enabled (403 otherwise, as a default
 * SearXNG does). Results come from `index` (query word → results); every request is
 * recorded.
 *
 * @example
 * ```ts
 * const searx = await startSearxDouble({ parley: [{ url: 'https://parley.dev', title: 'Parley', content: '…' }] })
 * // webSearch.url = searx.url
 * ```
 */
import { createServer, type Server } from 'node:http';

export interface SearxResult {
  url: string;
  title: string;
  content: string;
}

export interface SearxDouble {
  url: string;
  requests: URL[];
  /** Off: the instance has only the html format, as many public ones. */
  jsonEnabled: boolean;
  close(): Promise<void>;
}

export async function startSearxDouble(index: Record<string, SearxResult[]>): Promise<SearxDouble> {
  const double: SearxDouble = {
    url: '',
    requests: [],
    jsonEnabled: true,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    double.requests.push(url);
    const q = url.searchParams.get('q');
    if (url.pathname !== '/search' && url.pathname !== '/') return void res.writeHead(404).end();
    if (!q) return void res.writeHead(400).end('Bad Request');
    if (url.searchParams.get('format') !== 'json' || !double.jsonEnabled)
      return void res.writeHead(403).end('Forbidden');
    const words = q.toLowerCase().split(/\s+/);
    const results = words.flatMap((word) => index[word] ?? []);
    const body = {
      query: q,
      number_of_results: results.length,
      results: results.map((r, i) => ({
        ...r,
        engine: 'duckduckgo',
        engines: ['duckduckgo'],
        parsed_url: new URL(r.url).href.split('/'),
        template: 'default.html',
        positions: [i + 1],
        score: 1 / (i + 1),
        category: 'general',
        publishedDate: null,
      })),
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [],
      unresponsive_engines: [],
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return double;
}
