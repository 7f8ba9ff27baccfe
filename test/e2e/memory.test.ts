/**
 * Per-user memory through the whole Parley: Alice tells the agent a fact (the model
 * double calls `remember`), it is offered back to the model on her next turn, and Bob
 * can reach it through no path: not through recall (by words or by listing), not
 * through forget by id, not through /memory, not in his system prompt, not in a
 * group both are in. Export includes it, purge removes it.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { exportUserData, purgeUserData } from '../../sessions/user-data.js';
import { type OpenAIDouble, type RecordedRequest, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, testConfig } from '../harness.js';

let llm: OpenAIDouble;
let parley: Running;
let channel: TestChannel;
const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };
const SECRET = 'locker code is 4711';

beforeEach(async () => {
  llm = await startOpenAIDouble();
  channel = new TestChannel('test');
  parley = await startParley(
    testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123' },
      access: { allow: ['test:alice', 'test:bob'], groupPolicy: 'always' },
    }),
    { channels: [channel] },
  );
});
afterEach(async () => {
  await parley?.close();
  await llm?.close();
});

/** Sends one message and waits for its reply; returns the reply text. */
async function say(
  from: { id: string; name: string },
  text: string,
  extra: { chatType?: 'group'; conversationId?: string } = {},
): Promise<string> {
  const before = channel.delivered.length;
  await channel.inject({ text, sender: from, ...extra });
  const all = await channel.waitForDeliveries(before + 1);
  return all.at(-1)!.message.text;
}

const everything = (requests: RecordedRequest[]) => JSON.stringify(requests.map((r) => r.body));

it('keeps a fact for its user only, on every tool and prompt path', async () => {
  llm.script.push(
    { toolCalls: [{ name: 'remember', arguments: JSON.stringify({ fact: `My ${SECRET}` }) }] },
    { text: 'Noted.' },
  );
  expect(await say(alice, `Please remember: my ${SECRET}`)).toBe('Noted.');
  const remembered = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
  const id = Number(/#(\d+)/.exec(String(remembered?.content))?.[1]);
  expect(id).toBeGreaterThan(0);

  // Alice's next turn: the fact is offered in the system prompt.
  expect(await say(alice, 'What is my locker code?')).toContain('echo');
  expect(String(llm.requests.at(-1)!.body.messages[0]!.content)).toContain(SECRET);

  // Bob, same words, then every tool path, then /memory.
  const seen = llm.requests.length;
  llm.script.push(
    { toolCalls: [{ name: 'recall', arguments: '{"query":"locker code 4711"}' }] },
    { toolCalls: [{ name: 'recall', arguments: '{}' }] },
    { toolCalls: [{ name: 'forget', arguments: JSON.stringify({ id }) }] },
    { text: 'I know nothing about a locker.' },
  );
  expect(await say(bob, 'What is my locker code? locker code 4711')).toBe(
    'I know nothing about a locker.',
  );
  const bobs = llm.requests.slice(seen);
  const results = bobs.at(-1)!.body.messages.filter((m) => m.role === 'tool');
  expect(results.map((m) => m.content)).toEqual([
    'No matching memories.',
    'No matching memories.',
    `Error: No memory #${id} of this user.`,
  ]);
  expect(everything(bobs)).not.toContain(SECRET);
  expect(everything(bobs)).not.toContain(`#${id}:`);
  expect(await say(bob, '/memory')).toBe('I remember nothing about you here.');
  expect(await say(bob, `/memory forget ${id}`)).toBe(`No memory #${id} of yours here.`);

  // A group with both: neither Alice's own memory nor Bob's view of the group gets it.
  const group = { chatType: 'group' as const, conversationId: 'team' };
  const groupStart = llm.requests.length;
  await say(alice, 'what is my locker code', group);
  await say(bob, 'what is the locker code 4711', group);
  expect(everything(llm.requests.slice(groupStart))).not.toContain(SECRET);

  // Alice still has it; export includes it, purge removes it.
  expect(await say(alice, '/memory')).toContain(`#${id}: My ${SECRET}`);
  const stores = parley.app.stores;
  expect((await exportUserData(stores, 'test', 'alice')).memories.map((m) => m.text)).toEqual([
    `My ${SECRET}`,
  ]);
  expect((await purgeUserData(stores, 'test', 'alice')).memories).toBe(1);
  expect(await say(alice, '/memory')).toBe('I remember nothing about you here.');
});

it('keeps group memories within the group, for their user, and lists /memory in /help', async () => {
  const group = { chatType: 'group' as const, conversationId: 'team' };
  llm.script.push(
    { toolCalls: [{ name: 'remember', arguments: '{"fact":"The team standup is at 9:30"}' }] },
    { text: 'Got it.' },
  );
  expect(await say(alice, 'remember the standup time 9:30', group)).toBe('Got it.');
  expect(await say(alice, '/memory', group)).toContain('The team standup is at 9:30');
  expect(await say(alice, '/memory')).toBe('I remember nothing about you here.');
  expect(await say(bob, '/memory', group)).toBe('I remember nothing about you here.');
  expect(await say(alice, '/help')).toContain('/memory');
});
