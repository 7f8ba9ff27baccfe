/**
 * The MCP client against real MCP servers built with the SDK (test/doubles/mcp): a
 * stdio child process and a Streamable HTTP server on 127.0.0.1. Tools are called
 * through the ToolRegistry exactly as the router calls them.
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type McpHttpDouble, startMcpHttpDouble } from '../../test/doubles/mcp/http-server.js';
import { Redactor } from '../redact.js';
import { ToolRegistry } from '../registry.js';
import { mcpSchema } from './config.js';
import { McpManager } from './manager.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stdioDouble = ['--import', 'tsx', 'test/doubles/mcp/stdio-server.ts'];
const log = pino({ level: 'silent' });

let manager: McpManager | undefined;
let http: McpHttpDouble | undefined;

afterEach(async () => {
  await manager?.close();
  await http?.close();
  manager = undefined;
  http = undefined;
});

function context(signal = new AbortController().signal) {
  return { sessionId: 1, conversationKey: 'k', channel: 'test', senderId: 'u', signal };
}

async function connect(servers: Record<string, unknown>, environment = {}) {
  const tools = new ToolRegistry();
  const redactor = new Redactor();
  manager = new McpManager(mcpSchema.parse({ servers }), {
    tools,
    redactor,
    log,
    environment: { PATH: process.env.PATH, HOME: process.env.HOME, ...environment },
    backoff: { initialMs: 50, maxMs: 200 },
  });
  manager.start();
  await manager.ready;
  return { tools, redactor, manager };
}

const stdio = (extra: Record<string, unknown> = {}) => ({
  command: process.execPath,
  args: stdioDouble,
  cwd: root,
  ...extra,
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function run(tools: ToolRegistry, name: string, args: Record<string, unknown> = {}) {
  const tool = tools.get(name);
  if (!tool) throw new Error(`no tool ${name}; have ${tools.all().map((t) => t.name)}`);
  return tool.run(tool.schema.parse(args), context());
}

describe('MCP over stdio', () => {
  it('lists the tools with the server prefix and their JSON Schema, and calls them', async () => {
    const { tools } = await connect({ dbl: stdio() });
    const offered = tools.definitions().map((d) => d.function.name);
    expect(offered).toEqual(expect.arrayContaining(['dbl__echo', 'dbl__add', 'dbl__fail']));
    const add = tools.definitions().find((d) => d.function.name === 'dbl__add')!;
    expect(add.function.parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(add.function.description).toContain('MCP server "dbl"');
    expect(await run(tools, 'dbl__add', { a: 2, b: 40 })).toMatchObject({ content: '42' });
    expect(tools.policy('dbl__add')).toBe('ask');
  });

  it('maps an isError result to an error for the model', async () => {
    const { tools } = await connect({ dbl: stdio() });
    expect(await run(tools, 'dbl__fail')).toMatchObject({
      content: 'the disk is on fire',
      isError: true,
    });
  });

  it('cuts a call that exceeds the timeout and says so', async () => {
    const { tools } = await connect({ dbl: stdio({ timeoutMs: 300 }) });
    const result = await run(tools, 'dbl__slow', { ms: 1500 });
    expect(result.isError).toBe(true);
    expect(result.content).toContain('did not answer within 300 ms');
    expect(await run(tools, 'dbl__echo', { text: 'still up' })).toMatchObject({
      content: 'echo: still up',
    });
  });

  it('picks up a tool added at runtime (tools/list_changed)', async () => {
    const { tools } = await connect({ dbl: stdio() });
    expect(tools.get('dbl__late')).toBeUndefined();
    await run(tools, 'dbl__add_tool', { name: 'late' });
    await until(() => tools.get('dbl__late') !== undefined);
    expect(await run(tools, 'dbl__late')).toMatchObject({ content: 'late ran' });
  });

  it('applies per-tool policy overrides by MCP tool name', async () => {
    const { tools } = await connect({ dbl: stdio({ policy: 'auto', tools: { fail: 'deny' } }) });
    expect(tools.policy('dbl__echo')).toBe('auto');
    expect(tools.unavailable('dbl__fail')).toContain('denied by policy');
    expect(tools.definitions().map((d) => d.function.name)).not.toContain('dbl__fail');
  });

  it("starts the server with a minimal environment: none of Parley's variables or secrets", async () => {
    process.env.PARLEY_TEST_LEAK = 'sk-parley-secret-should-not-leak';
    try {
      const { tools, redactor } = await connect(
        { dbl: stdio({ env: ['DOUBLE_TOKEN'] }) },
        { ...process.env, DOUBLE_TOKEN: 'double-token-123456' },
      );
      const keys = JSON.parse((await run(tools, 'dbl__env_keys')).content) as string[];
      expect(keys).toContain('DOUBLE_TOKEN');
      expect(keys).not.toContain('PARLEY_TEST_LEAK');
      // PATH, HOME, LANG from us; LOGNAME, SHELL, TERM, USER from the SDK's own short list.
      const allowed = ['PATH', 'HOME', 'LANG', 'LOGNAME', 'SHELL', 'TERM', 'USER', 'DOUBLE_TOKEN'];
      expect(keys.filter((key) => !allowed.includes(key))).toEqual([]);
      expect(redactor.redact('token double-token-123456')).toBe('token [redacted]');
    } finally {
      delete process.env.PARLEY_TEST_LEAK;
    }
  });

  it('reports a server that does not start as down, naming a missing variable', async () => {
    const { manager } = await connect({ dbl: stdio({ env: ['NOT_SET_ANYWHERE'] }) });
    const [status] = manager.status();
    expect(status).toMatchObject({ name: 'dbl', state: 'down', tools: [] });
    expect(status!.error).toContain('NOT_SET_ANYWHERE is not set');
    expect(manager.note()).toContain('"dbl"');
  });
});

describe('MCP over Streamable HTTP', () => {
  it('lists, calls with headers from the environment, and maps errors', async () => {
    http = await startMcpHttpDouble();
    const { tools } = await connect(
      { web: { url: http.url, headers: { Authorization: 'Bearer ${WEB_TOKEN}' } } },
      { WEB_TOKEN: 'web-token-abcdef' },
    );
    expect(await run(tools, 'web__echo', { text: 'hi' })).toMatchObject({ content: 'echo: hi' });
    expect(await run(tools, 'web__fail')).toMatchObject({ isError: true });
    expect(http.headers.at(-1)?.authorization).toBe('Bearer web-token-abcdef');
  });

  it('picks up list changes over HTTP', async () => {
    http = await startMcpHttpDouble();
    const { tools } = await connect({ web: { url: http.url } });
    await run(tools, 'web__add_tool', { name: 'fresh' });
    await until(() => tools.get('web__fresh') !== undefined);
  });

  it('withdraws the tools of a server that went down, with a note, and restores them', async () => {
    http = await startMcpHttpDouble();
    const port = new URL(http.url).port;
    const { tools, manager } = await connect({ web: { url: http.url } });
    await http.close();
    const failed = await run(tools, 'web__echo', { text: 'anyone?' });
    expect(failed.isError).toBe(true);
    expect(failed.content).toContain('could not be reached');
    expect(tools.definitions().map((d) => d.function.name)).not.toContain('web__echo');
    expect(tools.unavailable('web__echo')).toMatch(/MCP server "web" is unavailable/);
    expect(manager.status()[0]).toMatchObject({ state: expect.stringMatching(/down|connecting/) });
    http = await startMcpHttpDouble(Number(port));
    await until(() => manager.status()[0]!.state === 'connected');
    expect(tools.unavailable('web__echo')).toBeUndefined();
    expect(await run(tools, 'web__echo', { text: 'back' })).toMatchObject({
      content: 'echo: back',
    });
  });
});
