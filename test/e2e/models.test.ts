/**
 * Models end to end through a real Parley: failover between two OpenAI-compatible
 * servers (with `/metrics`), `/model` per channel and per conversation, `/stop` of a
 * streaming turn and of a turn waiting for approval, answers cut off mid-stream,
 * and history compaction into a stored summary.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';

let primary: OpenAIDouble;
let backup: OpenAIDouble;
let parley: Running;
let client: WebClient | undefined;

async function start(overrides: Record<string, unknown> = {}, channels: TestChannel[] = []) {
  [primary, backup] = await Promise.all([startOpenAIDouble(), startOpenAIDouble()]);
  const { llm = {}, ...rest } = overrides as { llm?: Record<string, unknown> };
  parley = await startParley(
    testConfig({
      llm: {
        baseUrl: primary.baseUrl,
        apiKey: 'sk-primary-0123456789',
        maxRetries: 1,
        fallbacks: [{ name: 'backup', model: 'small', baseUrl: backup.baseUrl }],
        ...llm,
      },
      ...rest,
    }),
    { channels },
  );
  client = await new WebClient(parley.app.url, parley.app.token).connect();
  return client;
}

afterEach(async () => {
  client?.close();
  await parley?.close();
  await Promise.all([primary?.close(), backup?.close()]);
});

const metrics = async () =>
  (
    await fetch(`${parley.app.url}/metrics`, {
      headers: { authorization: `Bearer ${parley.app.token}` },
    })
  ).text();

describe('failover', () => {
  it('answers from the second provider when the first returns 503, and counts it', async () => {
    const web = await start();
    primary.script.push({ status: 503 }, { status: 503 });
    await web.send('hello');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toBe('echo: hello');
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests[0]!.body.model).toBe('small');
    expect(await metrics()).toMatch(
      /parley_llm_fallbacks_total\{from="test-model",to="backup",reason="server"\} 1/,
    );
  });

  it('keeps the API key of a fallback out of logs and replies like llm.apiKey', async () => {
    await start({
      llm: {
        fallbacks: [
          { name: 'backup', model: 'small', baseUrl: backup.baseUrl, apiKey: 'sk-fallback-4242' },
        ],
      },
    });
    expect(parley.app.redactor.redact('key sk-fallback-4242 here')).not.toContain(
      'sk-fallback-4242',
    );
  });

  it('does not fail over when the first provider rejects the request with 400', async () => {
    const web = await start();
    primary.script.push({ status: 400 });
    await web.send('bad request');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toContain('rejected the request (HTTP 400)');
    expect(backup.requests).toHaveLength(0);
    expect(await metrics()).not.toMatch(/parley_llm_fallbacks_total\{/);
  });
});

describe('/model', () => {
  it('uses the channel model, lets an owner switch one conversation, and refuses others', async () => {
    const channel = new TestChannel('test', { buttons: false });
    await start(
      {
        llm: { channels: { test: 'backup' } },
        access: { owners: ['test:owner'], allow: ['test:user-1'] },
      },
      [channel],
    );
    await channel.inject({ text: 'hi from ada' });
    await channel.waitForDeliveries(1);
    expect(backup.requests).toHaveLength(1);
    expect(primary.requests).toHaveLength(0);

    const owner = { sender: { id: 'owner', name: 'Owner' } };
    await channel.inject({ ...owner, text: '/model' });
    const [, list] = await channel.waitForDeliveries(2);
    expect(list!.message.text).toContain('→ backup');
    expect(list!.message.text).toContain('• test-model');
    await channel.inject({ ...owner, text: '/model test-model' });
    await channel.inject({ ...owner, text: 'hi from the owner' });
    const after = await channel.waitForDeliveries(4);
    expect(after[2]!.message.text).toBe('This conversation now uses test-model.');
    expect(primary.requests).toHaveLength(1);

    await channel.inject({ text: '/model test-model' });
    const refused = await channel.waitForDeliveries(5);
    expect(refused[4]!.message.text).toBe('Only an owner can list or switch models.');
    await channel.inject({ text: 'still the channel model?' });
    await channel.waitForDeliveries(6);
    expect(backup.requests).toHaveLength(2);
  });
});

describe('/stop', () => {
  it('aborts a streaming turn at once, and the conversation answers the next message', async () => {
    const web = await start();
    const story = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    primary.script.push({ text: story, deltaDelayMs: 50 });
    await web.send('tell me a long story');
    await web.waitFor((frame) => frame.type === 'delta');
    const stoppedAt = Date.now();
    await web.send('/stop');
    const [stopped] = await web.waitForMessages(1);
    expect(Date.now() - stoppedAt).toBeLessThan(1500);
    expect(stopped!.text).toMatch(/^word0 [\s\S]*…\(stopped\)$/);
    expect(stopped!.text).not.toContain('word79');
    await web.send('are you there?');
    const replies = await web.waitForMessages(2);
    expect(replies[1]!.text).toBe('echo: are you there?');
    // The stopped turn is in the session, marked: the model sees it was cut short.
    const last = primary.requests.at(-1)!.body.messages;
    expect(JSON.stringify(last)).toContain('…(stopped)');
  });

  it('says so when nothing runs', async () => {
    const web = await start();
    await web.send('/stop');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toBe('Nothing to stop: no answer is being written.');
  });

  it('cancels a turn waiting for approval: the approval is settled and the chat goes on', async () => {
    const channel = new TestChannel('test', { buttons: false });
    await start(
      {
        access: { owners: ['test:owner'], allow: ['test:user-1'] },
        tools: { policies: { get_time: 'ask' } },
      },
      [channel],
    );
    primary.script.push({ toolCalls: [{ name: 'get_time', arguments: '{}' }] });
    await channel.inject({ text: 'time please' });
    const [prompt] = await channel.waitForDeliveries(1);
    const id = /approve ([A-Z0-9]{6})/.exec(prompt!.message.text)?.[1];
    await channel.inject({ text: '/stop' });
    const [, stopped] = await channel.waitForDeliveries(2);
    expect(stopped!.message.text).toBe('Stopped.');
    await vi.waitFor(async () =>
      expect(await parley.app.approvals.store.get(id!)).toMatchObject({
        status: 'denied',
        decidedBy: 'stop',
      }),
    );
    expect(primary.requests).toHaveLength(1);
    await channel.inject({ text: 'hello again' });
    const all = await channel.waitForDeliveries(3);
    expect(all[2]!.message.text).toBe('echo: hello again');
    // The cut-short tool call got a result, so the provider accepts the history.
    const history = primary.requests.at(-1)!.body.messages;
    const result = history.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ content: 'Error: stopped by the user.' });
  });
});

describe('shutdown', () => {
  it('abandons a turn still running after the grace period; it runs again at the next start', async () => {
    const web = await start();
    const story = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    primary.script.push({ text: story, deltaDelayMs: 100 });
    await web.send('a long one');
    await web.waitFor((frame) => frame.type === 'delta');
    const stopping = Date.now();
    await parley.app.bridge.stop(200);
    expect(Date.now() - stopping).toBeLessThan(1500);
    expect((await parley.app.stores.inbox.counts()).pending).toBe(1);
    const { dataDir } = parley.app.config;
    await parley.close();
    client?.close();

    parley = await startParley(
      testConfig({
        dataDir,
        llm: { baseUrl: primary.baseUrl, apiKey: 'sk-primary-0123456789', maxRetries: 1 },
      }),
    );
    client = await new WebClient(parley.app.url, parley.app.token, web.clientId).connect();
    const replies = await client.waitForMessages(1);
    expect(replies.map((r) => r.text)).toEqual(['echo: a long one']);
    expect(primary.requests).toHaveLength(2);
  });
});

describe('answers that break off', () => {
  it('retries a stream that stalls after its headers, once the idle timeout passes', async () => {
    const web = await start({ llm: { idleTimeoutMs: 300 } });
    primary.script.push({ text: 'lost', fault: 'stall' }, { text: 'the whole answer' });
    await web.send('go');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toBe('the whole answer');
    expect(primary.requests).toHaveLength(2);
    expect(await metrics()).toMatch(
      /parley_llm_retries_total\{model="test-model",reason="stall"\} 1/,
    );
  });

  it('marks a reply cut off when the stream ends early after text was shown', async () => {
    const web = await start();
    primary.script.push({ text: 'the first part and the rest', fault: 'truncate', faultAfter: 3 });
    await web.send('explain');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toBe('the first part \n\n…(the answer was cut off)');
    expect(primary.requests).toHaveLength(1);
  });

  it('says clearly that the answer failed when the stream stalls after text was shown', async () => {
    const web = await start({ llm: { idleTimeoutMs: 300 } });
    primary.script.push({ text: 'begun but never finished', fault: 'stall', faultAfter: 2 });
    await web.send('go');
    const [reply] = await web.waitForMessages(1);
    expect(reply!.text).toMatch(/^begun but \n\n…\(the answer failed: .*stopped sending/);
    expect(backup.requests).toHaveLength(0);
  });
});

describe('history compaction', () => {
  it('summarises older turns into a stored summary and stays answerable', async () => {
    const web = await start({ history: { maxMessages: 6, maxTokens: 100_000 } });
    const summaries: string[] = [];
    primary.fallback = (request) => {
      const system = String(request.body.messages[0]?.content ?? '');
      if (system.includes('condense')) {
        summaries.push(String(request.body.messages[1]?.content));
        return { text: 'The user counted: one, two.' };
      }
      const user = request.body.messages.filter((m) => m.role === 'user').at(-1);
      return { text: `echo: ${user?.content}` };
    };
    for (const [index, word] of ['one', 'two', 'three', 'four'].entries()) {
      await web.send(word);
      await web.waitForMessages(index + 1);
    }
    expect(web.messages().at(-1)!.text).toBe('echo: four');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain('user: one');
    expect(summaries[0]).toContain('assistant: echo: two');
    const turn = primary.requests.at(-1)!.body.messages;
    expect(turn[1]).toEqual({
      role: 'system',
      content: 'Summary of the earlier conversation:\nThe user counted: one, two.',
    });
    expect(turn.map((m) => m.content)).not.toContain('one');
    expect(turn.map((m) => m.content)).toContain('three');

    // Compacted to half the budget: the next turn fits without another summary.
    await web.send('five');
    await web.waitForMessages(5);
    expect(summaries).toHaveLength(1);

    await web.send('/status');
    const [status] = (await web.waitForMessages(6)).slice(-1);
    expect(status!.text).toContain('summary of earlier messages: The user counted: one, two.');
    const [session] = await parley.app.sessions.list({ limit: 1, offset: 0 });
    const exported = await parley.app.sessions.exportUser('web', session!.userId!);
    expect(exported.sessions[0]!.summary?.text).toBe('The user counted: one, two.');
    expect(exported.sessions[0]!.messages.map((m) => m.content)).toContain('one');
  });

  it('drops the older turns as before when the model cannot summarise, and still answers', async () => {
    const web = await start({ history: { maxMessages: 4, maxTokens: 100_000 } });
    primary.fallback = (request) => {
      const system = String(request.body.messages[0]?.content ?? '');
      if (system.includes('condense')) return { status: 400 };
      const user = request.body.messages.filter((m) => m.role === 'user').at(-1);
      return { text: `echo: ${user?.content}` };
    };
    for (const [index, word] of ['one', 'two', 'three'].entries()) {
      await web.send(word);
      await web.waitForMessages(index + 1);
    }
    expect(web.messages().at(-1)!.text).toBe('echo: three');
    const turn = primary.requests.at(-1)!.body.messages;
    expect(turn.map((m) => m.content)).not.toContain('one');
    const [session] = await parley.app.sessions.list({ limit: 1, offset: 0 });
    expect(session!.summary).toBeUndefined();
    // Not asked again on the next turn: one failed summary per session and 10 minutes.
    const asked = primary.requests.length;
    await web.send('four');
    await web.waitForMessages(4);
    expect(primary.requests.length).toBe(asked + 1);
  });
});
