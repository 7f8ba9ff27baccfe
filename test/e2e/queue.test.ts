/**
 * Queue modes end to end through a real Parley and the web chat: `/queue` per
 * conversation (listed in `/help`), `interrupt` cutting a streaming answer short and
 * answering both messages in one turn, `collect` from the per-channel config, each
 * batch's reply written once and its rows all done. Through the Telegram double: a
 * collected group batch quotes its last message, and chatter not addressed to the
 * bot never joins a batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import {
  startTelegramDouble,
  TEST_BOT,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../doubles/telegram.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';
import { until } from '../wait.js';

let model: OpenAIDouble;
let parley: Running;
let client: WebClient | undefined;

async function start(overrides: Record<string, unknown> = {}) {
  model = await startOpenAIDouble();
  parley = await startParley(
    testConfig({ llm: { baseUrl: model.baseUrl, apiKey: 'sk-test-0123456789' }, ...overrides }),
  );
  client = await new WebClient(parley.app.url, parley.app.token).connect();
  return client;
}

let telegram: TelegramDouble | undefined;

afterEach(async () => {
  client?.close();
  await parley?.close();
  await model?.close();
  await telegram?.close();
  telegram = undefined;
});

const story = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');

describe('queue modes', () => {
  it('/queue interrupt: a new message stops the streaming answer; one turn answers both', async () => {
    const web = await start();
    await web.send('/help');
    const [help] = await web.waitForMessages(1);
    expect(help!.text).toContain('/queue');
    await web.send('/queue interrupt');
    const [, chosen] = await web.waitForMessages(2);
    expect(chosen!.text).toMatch(/^Queue mode: interrupt/);

    model.script.push({ text: story, deltaDelayMs: 50 });
    await web.send('tell me a long story');
    await web.waitFor((frame) => frame.type === 'delta');
    const interruptedAt = Date.now();
    await web.send('actually, just say hi');
    const replies = await web.waitForMessages(3);
    expect(Date.now() - interruptedAt).toBeLessThan(3000);
    expect(replies[2]!.text).toBe('echo: tell me a long story\nactually, just say hi');
    expect(model.requests).toHaveLength(2);
    // The aborted turn left nothing in the session: one user message holds both lines.
    const users = model.requests[1]!.body.messages.filter((m) => m.role === 'user');
    expect(users.map((m) => m.content)).toEqual(['tell me a long story\nactually, just say hi']);
    const counts = await parley.app.stores.inbox.counts();
    expect(counts).toMatchObject({ pending: 0, replying: 0, done: 4 });
    expect(web.messages()).toHaveLength(3);
  });

  it('queue.channels web collect: messages sent during a turn are answered together next', async () => {
    const web = await start({ queue: { channels: { web: { mode: 'collect' } } } });
    model.script.push({ text: 'first answer', deltaDelayMs: 30 });
    await web.send('one');
    await web.waitFor((frame) => frame.type === 'delta');
    await web.send('two');
    await web.send('three');
    const replies = await web.waitForMessages(2);
    expect(replies.map((r) => r.text)).toEqual(['first answer', 'echo: two\nthree']);
    expect(model.requests).toHaveLength(2);
    await parley.app.bridge.drain();
    expect(await parley.app.stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0 });
  });

  it('/queue shows and switches the conversation mode; default goes back to the channel one', async () => {
    const web = await start({ queue: { channels: { web: { mode: 'collect' } } } });
    const say = async (text: string) => {
      const count = web.messages().length;
      await web.send(text);
      return (await web.waitForMessages(count + 1))[count]!.text;
    };
    expect(await say('/queue')).toMatch(/^Queue mode: collect /);
    expect(await say('/queue sometimes')).toBe(
      'No queue mode "sometimes". Use followup, collect, interrupt or default.',
    );
    expect(await say('/queue followup')).toMatch(/^Queue mode: followup /);
    expect(await say('/queue')).toMatch(/^Queue mode: followup /);
    expect(await say('/queue default')).toMatch(/^Queue mode: collect /);
    expect(await say('/queue')).toMatch(/^Queue mode: collect /);
  });
});

describe('queue modes on Telegram', () => {
  it('collect in a group: one answer for the batch, quoting its last message; chatter stays out', async () => {
    telegram = await startTelegramDouble();
    const tg = telegram;
    const owner = { id: 111, first_name: 'Ada' };
    const mention = `@${TEST_BOT.username}`;
    await start({
      access: { owners: ['telegram:111'] },
      queue: { channels: { telegram: { mode: 'collect' } } },
      channels: {
        telegram: {
          enabled: true,
          token: TEST_TOKEN,
          apiRoot: tg.apiRoot,
          pollingTimeoutSeconds: 2,
        },
      },
    });
    model.script.push({ text: 'first answer', delayMs: 800 });
    const say = (text: string) =>
      (tg.message({ chatId: -100, from: owner, text }).message as { message_id: number })
        .message_id;
    say(`${mention} first`);
    await until(() => model.requests.length === 1);
    say('just chatting, not for the bot');
    say(`${mention} second`);
    const third = say(`${mention} third`);
    await waitUntil(() => tg.chat(-100).length >= 2);
    await parley.app.bridge.drain();
    const replies = tg.chat(-100);
    expect(replies.map((m) => m.text)).toEqual(['first answer', 'echo: Ada: second\nthird']);
    expect(replies[1]!.replyToMessageId).toBe(third);
    expect(model.requests).toHaveLength(2);
    expect(JSON.stringify(model.requests.map((r) => r.body.messages))).not.toContain(
      'just chatting',
    );
    expect(await parley.app.stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0 });
  });
});
