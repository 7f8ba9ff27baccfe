/**
 * MCP benchmark: latency of one tool call (`echo`) to the stdio MCP double, made
 * through Parley (McpManager → ToolRegistry → the registered tool's schema check and
 * run, result mapping) versus the SDK client calling the same server directly;
 * interleaved, 500 calls each, p50 / p99 in ms and the overhead per call.
 * Run alone: `npx tsx test/bench/mcp.bench.ts` (JSON on stdout), or via `npm run bench -- mcp`.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import pino from 'pino';
import { percentile } from '../../cli/metrics.js';
import { mcpSchema } from '../../tools/mcp/config.js';
import { McpManager } from '../../tools/mcp/manager.js';
import { Redactor } from '../../tools/redact.js';
import { ToolRegistry } from '../../tools/registry.js';

const CALLS = 500;
const compiled = import.meta.url.endsWith('.js');
const server = fileURLToPath(
  new URL(`../doubles/mcp/stdio-server.${compiled ? 'js' : 'ts'}`, import.meta.url),
);
const root = fileURLToPath(new URL(compiled ? '../../..' : '../..', import.meta.url));
const args = compiled ? [server] : ['--import', 'tsx', server];
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

function stats(samples: number[]) {
  const round = (n: number | null | undefined) => Math.round((n ?? 0) * 1000) / 1000;
  return { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const tools = new ToolRegistry();
  const config = mcpSchema.parse({
    servers: { dbl: { command: process.execPath, args, cwd: root, policy: 'auto' } },
  });
  const manager = new McpManager(config, {
    tools,
    environment: env,
    redactor: new Redactor(['not-a-real-secret']),
    log: pino({ level: 'silent' }),
  });
  manager.start();
  await manager.ready;
  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(
    new StdioClientTransport({
      command: process.execPath,
      args,
      cwd: root,
      env: env as Record<string, string>,
    }),
  );
  const viaParley = async () => {
    const tool = tools.get('dbl__echo')!;
    const result = await tool.run(tool.schema.parse(JSON.parse('{"text":"hi"}')), {
      sessionId: 1,
      conversationKey: 'k',
      channel: 'bench',
      senderId: 'u',
      signal: new AbortController().signal, // one per call, as the router does
    });
    if (result.content !== 'echo: hi') throw new Error(result.content);
  };
  const viaSdk = () => direct.callTool({ name: 'echo', arguments: { text: 'hi' } });
  for (let i = 0; i < 20; i++) await Promise.all([viaParley(), viaSdk()]);
  const parley: number[] = [];
  const sdk: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    parley.push(await time(viaParley));
    sdk.push(await time(viaSdk));
  }
  await direct.close();
  await manager.close();
  const p = stats(parley);
  const s = stats(sdk);
  return {
    calls: CALLS,
    parleyMs: p,
    directSdkMs: s,
    overheadMs: {
      p50: Math.round((p.p50 - s.p50) * 1000) / 1000,
      p99: Math.round((p.p99 - s.p99) * 1000) / 1000,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await bench(), null, 2)}\n`);
}
