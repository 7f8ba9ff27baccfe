/**
 * `fetch_url`: fetches a web page and returns its readable text (Readability over a
 * linkedom DOM for HTML; text and JSON as they are). Each hop (the URL, then every
 * redirect, followed by hand) is checked: http(s) only, no credentials in the URL,
 * every address the host resolves to must pass the AddressPolicy (SSRF guard), and
 * the connection goes to that checked address (pinned-get.ts). Size, time and content
 * type are capped by config. Policy auto, but `groupPolicy` (default deny) in groups.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import { defineTool, type ToolResult } from '../registry.js';
import { AddressPolicy } from './address-policy.js';
import type { FetchUrlConfig } from './config.js';
import { type PinnedResponse, pinnedGet } from './pinned-get.js';

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export function fetchUrlTool(config: FetchUrlConfig, resolve: Resolve = systemResolve) {
  const policy = new AddressPolicy(config.allowAddresses);
  return defineTool({
    name: 'fetch_url',
    description: 'Fetches a web page (http/https) and returns its readable text.',
    policy: 'auto',
    groupPolicy: config.groupPolicy,
    schema: z.object({ url: z.string().describe('Absolute http(s) URL') }),
    async run({ url }, context): Promise<ToolResult> {
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(config.timeoutMs)]);
      try {
        return await follow(new URL(url), config, policy, resolve, signal);
      } catch (error) {
        return {
          content: `fetch_url refused or failed: ${(error as Error).message}`,
          isError: true,
        };
      }
    },
  });
}

async function follow(
  start: URL,
  config: FetchUrlConfig,
  policy: AddressPolicy,
  resolve: Resolve,
  signal: AbortSignal,
): Promise<ToolResult> {
  let url = start;
  for (let hop = 0; hop <= config.maxRedirects; hop++) {
    const target = await checkedAddress(url, policy, resolve);
    const response = await pinnedGet(url, target.address, target.family, config.maxBytes, signal);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    return readable(url, response, config);
  }
  throw new Error(`more than ${config.maxRedirects} redirects`);
}

/** The address to connect to, after every resolved address passed the policy. */
async function checkedAddress(url: URL, policy: AddressPolicy, resolve: Resolve) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${url.protocol} URLs are not fetched`);
  if (url.username || url.password) throw new Error('URLs with credentials are not fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  for (const { address } of addresses) {
    const refusal = policy.refusal(address);
    if (refusal) throw new Error(`${url.host}: ${refusal}`);
  }
  return addresses[0]!;
}

async function readable(
  url: URL,
  response: PinnedResponse,
  config: FetchUrlConfig,
): Promise<ToolResult> {
  const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!config.contentTypes.includes(type))
    throw new Error(`content type "${type || 'none'}" is not read`);
  const raw = response.body.toString('utf8');
  let text = raw;
  if (type === 'text/html' || type === 'application/xhtml+xml') {
    // Loaded on the first page read: linkedom and Readability weigh ~20 MB at start.
    const [{ parseHTML }, { Readability }] = await Promise.all([
      import('linkedom'),
      import('@mozilla/readability'),
    ]);
    const { document } = parseHTML(raw);
    const article = new Readability(
      document as unknown as ConstructorParameters<typeof Readability>[0],
    ).parse();
    text = `${article?.title ?? document.title ?? ''}\n\n${(article?.textContent ?? document.body?.textContent ?? '').replace(/\n\s*\n+/g, '\n\n').trim()}`;
  }
  const notes = [
    response.cut === 'size' ? `[cut at ${config.maxBytes} bytes]` : '',
    response.cut === 'time' ? `[cut: time limit of ${config.timeoutMs} ms]` : '',
  ].filter(Boolean);
  const body =
    text.length > config.maxChars
      ? `${text.slice(0, config.maxChars)}\n[cut at ${config.maxChars} characters]`
      : text;
  return {
    content: [`URL: ${url.href} (HTTP ${response.status})`, body, ...notes].join('\n'),
    details: { status: response.status, bytes: response.body.length },
  };
}
