/**
 * An MCP tool through the whole Parley: the stdio MCP double configured in
 * `mcp.servers`, the model (OpenAI double) calls `dbl__add`, policy `ask` sends an
 * approval prompt, the owner approves, and the server's result reaches the model.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, sleep, startParley, testConfig } from '../harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let llm: OpenAIDouble;
let parley: Running;

afterEach(async () => {
  await parley?.close();
  await llm?.close();
});

it('asks approval for an MCP tool (policy ask) and hands its result to the model', async () => {
  llm = await startOpenAIDouble();
  const channel = new TestChannel('test', { buttons: false });
  parley = await startParley(
    testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' },
      access: { owners: ['test:owner'], allow: ['test:user-1'] },
      mcp: {
        servers: {
          dbl: {
            command: process.execPath,
            args: ['--import', 'tsx', 'test/doubles/mcp/stdio-server.ts'],
            cwd: root,
          },
        },
      },
    }),
    { channels: [channel] },
  );
  for (let i = 0; i < 250 && !parley.app.tools.get('dbl__add'); i++) await sleep(20);
  expect(parley.app.tools.policy('dbl__add')).toBe('ask');
  llm.script.push(
    { toolCalls: [{ name: 'dbl__add', arguments: '{"a":2,"b":40}' }] },
    { text: 'The sum is 42.' },
  );
  await channel.inject({ text: 'add 2 and 40' });
  const [prompt] = await channel.waitForDeliveries(1);
  expect(prompt!.message.text).toContain('dbl__add');
  const id = /approve ([A-Z0-9]{6})/.exec(prompt!.message.text)?.[1];
  await channel.inject({
    text: `approve ${id}`,
    sender: { id: 'owner', name: 'Owner' },
    conversationId: 'user-1',
  });
  const all = await channel.waitForDeliveries(3);
  expect(all.map((d) => d.message.text)).toContain('The sum is 42.');
  expect(llm.requests[0]!.body.tools?.map((t) => t.function.name)).toContain('dbl__add');
  const toolMessage = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
  expect(toolMessage?.content).toBe('42');
});
