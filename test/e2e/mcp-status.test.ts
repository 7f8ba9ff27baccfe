/**
 * Where an MCP server stands reaches the people and the model that need it: the
 * admin API (`/api/mcp`, shown on the admin page), `parley doctor`, and — for a
 * server that is down — a note in the model's system prompt naming it.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { runDoctor } from '../../cli/doctor.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, sleep, startParley, testConfig } from '../harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let llm: OpenAIDouble;
let parley: Running | undefined;

afterEach(async () => {
  await parley?.close();
  await llm?.close();
});

const servers = {
  dbl: {
    command: process.execPath,
    args: ['--import', 'tsx', 'test/doubles/mcp/stdio-server.ts'],
    cwd: root,
  },
  broken: { command: '/nonexistent/parley-test/mcp-server', connectTimeoutMs: 2000 },
};

it('shows each MCP server on the admin API and tells the model which are down', async () => {
  llm = await startOpenAIDouble();
  const channel = new TestChannel('test');
  const config = testConfig({
    llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' },
    access: { allow: ['test:user-1'] },
    mcp: { servers },
  });
  parley = await startParley(config, { channels: [channel] });
  await parley.app.mcp!.ready;
  for (let i = 0; i < 250 && !parley.app.tools.get('dbl__add'); i++) await sleep(20);
  const response = await fetch(`${parley.app.url}/api/mcp`, {
    headers: { authorization: 'Bearer test-token-0123456789abcdef' },
  });
  const listed = (await response.json()) as {
    name: string;
    state: string;
    error?: string;
    tools: string[];
  }[];
  const byName = Object.fromEntries(listed.map((s) => [s.name, s]));
  expect(byName.dbl).toMatchObject({
    state: 'connected',
    tools: expect.arrayContaining(['dbl__add']),
  });
  expect(byName.broken).toMatchObject({ state: 'down', tools: [] });
  expect(byName.broken!.error).toMatch(/ENOENT|spawn/);

  await channel.inject({ text: 'hello' });
  await channel.waitForDeliveries(1);
  const system = String(llm.requests[0]!.body.messages[0]!.content);
  expect(system).toContain('These MCP servers are unavailable');
  expect(system).toContain('"broken"');
  expect(system).not.toContain('"dbl"');
});

it('parley doctor connects to each MCP server and warns about one that is down', async () => {
  llm = await startOpenAIDouble();
  const lines: string[] = [];
  const { results } = await runDoctor(
    testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' }, mcp: { servers } }),
    { out: (line) => lines.push(line), timeoutMs: 5000, environment: { PATH: process.env.PATH } },
  );
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  expect(byName['mcp dbl']).toMatchObject({ status: 'ok' });
  expect(byName['mcp dbl']!.detail).toContain('dbl__add');
  expect(byName['mcp broken']).toMatchObject({ status: 'warn' });
  expect(byName['mcp broken']!.fix).toContain('mcp.servers.broken.command');
  expect(lines.join('\n')).toContain('! mcp broken: stdio server is down');
});
