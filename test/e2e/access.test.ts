/**
 * Access policy, group gating, approvals and delivery retries through a real
 * Parley with an in-process test channel (a channel that does not pre-authenticate).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, sleep, startParley, testConfig, WebClient } from '../harness.js';

let llm: OpenAIDouble;
let parley: Running;

async function start(
  overrides: Record<string, unknown>,
  channel = new TestChannel('test', { buttons: false }),
) {
  llm = await startOpenAIDouble();
  parley = await startParley(
    testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' }, ...overrides }),
    {
      channels: [channel],
    },
  );
  return channel;
}

afterEach(async () => {
  await parley?.close();
  await llm?.close();
});

describe('access policy', () => {
  it('gives an unknown DM sender a pairing code, and answers after the owner approves it', async () => {
    const channel = await start({ access: { owners: ['test:owner'] } });
    await channel.inject({ text: 'hello', sender: { id: 'stranger', name: 'Eve' } });
    const [pairing] = await channel.waitForDeliveries(1);
    const code = /\*\*([A-Z0-9]{8})\*\*/.exec(pairing!.message.text)?.[1];
    expect(code).toBeDefined();
    expect(pairing!.message.text).toContain(`parley pairing approve ${code}`);
    expect(llm.requests).toHaveLength(0);
    expect((await parley.app.accessStore.approve(code!))?.senderId).toBe('stranger');
    await channel.inject({ text: 'hello again', sender: { id: 'stranger', name: 'Eve' } });
    const deliveries = await channel.waitForDeliveries(2);
    expect(deliveries[1]!.message.text).toBe('echo: hello again');
  });

  it('stays silent in groups unless mentioned or replied to', async () => {
    const channel = await start({ access: { allow: ['test:alice'] } });
    const group = {
      chatType: 'group' as const,
      conversationId: 'g1',
      sender: { id: 'alice', name: 'Alice' },
    };
    await channel.inject({ ...group, text: 'just chatting' });
    await channel.inject({ ...group, text: 'bot, help', mentionsBot: true });
    await channel.inject({ ...group, text: 'and this?', repliesToBot: true });
    await channel.inject({
      ...group,
      text: 'from a stranger',
      mentionsBot: true,
      sender: { id: 'mallory' },
    });
    await parley.app.bridge.drain();
    expect(channel.texts()).toEqual(['echo: Alice: bot, help', 'echo: Alice: and this?']);
  });

  it('applies the access policy to approval answers too', async () => {
    const channel = await start({ access: { owners: ['test:owner'], allow: ['test:alice'] } });
    await channel.inject({ text: 'approve abc123', sender: { id: 'stranger', name: 'Eve' } });
    await channel.inject({
      text: 'deny abc123',
      chatType: 'group',
      conversationId: 'g1',
      sender: { id: 'alice', name: 'Alice' },
    });
    await parley.app.bridge.drain();
    // The stranger gets a pairing code, not an answer about approvals; the
    // unaddressed group message gets nothing at all.
    expect(channel.texts()).toHaveLength(1);
    expect(channel.texts()[0]).toMatch(/parley pairing approve/);
  });

  it('keeps one session per thread', async () => {
    const channel = await start({ access: { dmPolicy: 'open' } });
    await channel.inject({ text: 'in thread A', threadId: 'A' });
    await channel.inject({ text: 'in thread B', threadId: 'B' });
    await parley.app.bridge.drain();
    const keys = (await parley.app.sessions.list({ limit: 10, offset: 0 }))
      .map((s) => s.key)
      .sort();
    expect(keys).toEqual(['test:bot:user-1:A', 'test:bot:user-1:B']);
    expect(channel.delivered.map((d) => d.target.threadId).sort()).toEqual(['A', 'B']);
  });
});

describe('tool approvals', () => {
  const askConfig = {
    access: { owners: ['test:owner'], allow: ['test:user-1'] },
    tools: { policies: { get_time: 'ask' } },
  };

  it('asks the owner with a reply code and runs the tool once approved', async () => {
    const channel = await start(askConfig);
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'done after approval' },
    );
    await channel.inject({ text: 'time please' });
    const [prompt] = await channel.waitForDeliveries(1);
    const id = /approve ([A-Z0-9]{6})/.exec(prompt!.message.text)?.[1];
    expect(id).toBeDefined();
    await channel.inject({ text: `approve ${id}`, sender: { id: 'user-1', name: 'Ada' } });
    const refused = await channel.waitForDeliveries(2);
    expect(refused[1]!.message.text).toContain('Only the owner');
    await channel.inject({
      text: `approve ${id}`,
      sender: { id: 'owner', name: 'Owner' },
      conversationId: 'user-1',
    });
    const all = await channel.waitForDeliveries(4);
    expect(all.map((d) => d.message.text)).toContain('done after approval');
    const toolResult = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
    expect(String(toolResult?.content)).toContain('iso');
  });

  it('denies a request that nobody answers in time, and tells the model', async () => {
    const channel = await start({
      ...askConfig,
      tools: { ...askConfig.tools, approvalTimeoutMinutes: 0.01 },
    });
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'ok, not running it' },
    );
    await channel.inject({ text: 'time please' });
    const deliveries = await channel.waitForDeliveries(2, 5000);
    expect(deliveries[1]!.message.text).toBe('ok, not running it');
    const toolResult = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
    expect(String(toolResult?.content)).toContain('did not answer in time');
    expect(await parley.app.approvals.store.pending()).toHaveLength(0);
  });

  it('waits for approval without blocking other conversations, and honours a web button', async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' },
        tools: { policies: { get_time: 'ask' }, approver: 'requester' },
      }),
    );
    const asker = await new WebClient(parley.app.url, parley.app.token).connect();
    const other = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.fallback = (request) =>
      request.body.messages.some((m) => m.content === 'use the tool') &&
      !request.body.messages.some((m) => m.role === 'tool')
        ? { toolCalls: [{ name: 'get_time', arguments: '{}' }] }
        : { text: `echo: ${String(request.body.messages.at(-1)?.content).slice(0, 20)}` };
    await asker.send('use the tool');
    const [prompt] = await asker.waitForMessages(1);
    expect(prompt!.buttons?.map((b) => b.label)).toEqual(['Approve', 'Allow for session', 'Deny']);
    await other.send('meanwhile');
    const [otherReply] = await other.waitForMessages(1);
    expect(otherReply!.text).toBe('echo: meanwhile');
    await asker.press(prompt!.buttons![0]!.data);
    const replies = await asker.waitForMessages(3);
    expect(replies.map((r) => r.text).join('\n')).toMatch(/approved get_time/);
    expect(replies.at(-1)!.text).toMatch(/^echo: \{"iso"/);
    asker.close();
    other.close();
  });
});

describe('delivery', () => {
  it('honours a platform 429 and still delivers the reply once', async () => {
    const channel = await start({ access: { dmPolicy: 'open' } });
    const retries: number[] = [];
    parley.app.bridge.on((event) => event.type === 'retry' && retries.push(event.delayMs));
    channel.fail429(1);
    await channel.inject({ text: 'hi' });
    await channel.waitForDeliveries(1, 5000);
    await sleep(50);
    expect(retries).toEqual([1000]);
    expect(channel.texts()).toEqual(['echo: hi']);
  });
});
