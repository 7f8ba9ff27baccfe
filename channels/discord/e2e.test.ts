/**
 * Discord end to end: a whole Parley (startParley) with the Discord channel enabled
 * by config, logged in to the Discord API double, answering through the scripted
 * OpenAI double. Events are gateway dispatches of the captured fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../bridge/index.js';
import { type DiscordDouble, startDiscordDouble } from '../../test/doubles/discord.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { type Running, startParley, testConfig } from '../../test/harness.js';
import { until as settled } from '../../test/wait.js';
import type { DiscordChannel } from './adapter.js';
import {
  buttonPayload,
  commandPayload,
  fixture,
  ids,
  messagePayload,
  stranger,
} from './fixtures/index.js';
import { until } from './testing.js';

describe('Discord end to end', () => {
  let discord: DiscordDouble;
  let llm: OpenAIDouble;
  let parley: Running;
  const events: BridgeEvent[] = [];

  beforeAll(async () => {
    discord = await startDiscordDouble({
      ready: fixture('ready'),
      guilds: [fixture('guild-create')],
    });
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' },
        access: { owners: [`discord:${ids.owner}`] },
        tools: { policies: { get_time: 'ask' } },
        channels: {
          discord: { enabled: true, token: 'test-bot-token', apiRoot: discord.apiRoot },
        },
      }),
    );
    parley.app.bridge.on((event) => events.push(event));
  });
  afterAll(async () => {
    await parley.close();
    await discord.close();
    await llm.close();
  });

  const inChannel = (channelId: string) =>
    discord.messages.filter((m) => m.channelId === channelId);
  const waitForText = async (channelId: string, match: (text: string) => boolean) => {
    await until(() => inChannel(channelId).some((m) => match(m.content)), 20_000);
    return inChannel(channelId).find((m) => match(m.content))!;
  };

  it('is wired from config and reachable through app.channels', () => {
    const adapter = parley.app.channels.find((c) => c.id === 'discord') as DiscordChannel;
    expect(adapter.status?.().state).toBe('connected');
    expect(adapter.client?.user?.id).toBe(ids.bot);
  });

  it('answers a DM, showing typing while the model works', async () => {
    // Slow enough for the bridge's typing delay (turns under ~300 ms show no typing).
    llm.script.push({ text: 'Hello back, in private.', delayMs: 800 });
    discord.dispatch('MESSAGE_CREATE', messagePayload('dm', 'hello in private'));
    const reply = await waitForText(ids.dmChannel, (t) => t.includes('in private'));
    expect(reply.content).toBe('Hello back, in private.');
    const typing = discord.requests.findIndex(
      (r) => r.path === `/channels/${ids.dmChannel}/typing`,
    );
    const post = discord.requests.findIndex(
      (r) => r.method === 'POST' && r.path === `/channels/${ids.dmChannel}/messages`,
    );
    expect(typing).toBeGreaterThanOrEqual(0);
    expect(typing).toBeLessThan(post);
  });

  it('answers a mention (without the mention) and ignores a plain server message', async () => {
    discord.dispatch('MESSAGE_CREATE', messagePayload('plain', 'nobody asked the bot'));
    discord.dispatch('MESSAGE_CREATE', messagePayload('mention', 'ping please'));
    const reply = await waitForText(ids.channel, (t) => t.includes('ping please'));
    expect(reply.content).toBe('echo: Alice: ping please');
    const asked = JSON.stringify(llm.requests.map((r) => r.body.messages));
    expect(asked).not.toContain('nobody asked the bot');
    expect(asked).not.toContain(`<@${ids.bot}>`);
    expect(discord.messages.some((m) => m.content.includes('nobody asked'))).toBe(false);
  });

  it('answers the edited text of a DM waiting behind a running turn; an edit after the answer gets none', async () => {
    llm.script.push({ text: 'Slow answer.', delayMs: 1500 });
    discord.dispatch('MESSAGE_CREATE', messagePayload('dm', 'a slow question'));
    await until(() => JSON.stringify(llm.requests).includes('a slow question'), 20_000);
    const waiting = messagePayload('dm', 'what is 2+2?');
    discord.dispatch('MESSAGE_CREATE', waiting);
    const stored = async (text: string) =>
      (await parley.app.bridge.inbox.reclaim()).some((e) => e.message.text === text);
    await settled(() => stored('what is 2+2?'));
    const edit = (text: string) =>
      discord.dispatch('MESSAGE_UPDATE', {
        ...waiting,
        content: text,
        edited_timestamp: new Date().toISOString(),
      });
    edit('what is 3+3?');
    await settled(() => stored('what is 3+3?'));
    await waitForText(ids.dmChannel, (t) => t === 'echo: what is 3+3?');
    const requests = llm.requests.length;
    edit('what is 4+4?');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await parley.app.bridge.drain();
    expect(llm.requests).toHaveLength(requests);
    expect(JSON.stringify(llm.requests)).not.toMatch(/2\+2|4\+4/);
  });

  it('answers a thread message into the thread', async () => {
    discord.dispatch('MESSAGE_CREATE', messagePayload('thread', 'thread question'));
    const reply = await waitForText(ids.thread, (t) => t.includes('thread question'));
    expect(reply.content).toBe('echo: Alice: thread question');
    expect(inChannel(ids.channel).some((m) => m.content.includes('thread question'))).toBe(false);
  });

  it("asks approval with buttons; a stranger's press is ignored, the owner approves", async () => {
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is noon.' },
    );
    discord.dispatch('MESSAGE_CREATE', messagePayload('mention', 'what time is it?'));
    const prompt = await waitForText(ids.channel, (t) => t.includes('Approval needed'));
    const rows = prompt.body.components as { components: { custom_id: string; label: string }[] }[];
    const approve = rows[0]!.components.find((b) => b.label === 'Approve')!.custom_id;
    expect(approve).toMatch(/^approval:[A-Z0-9]+:approve$/);

    // A stranger's press is acknowledged (no "interaction failed") but never answered
    // in the channel: the access policy ignores strangers in servers.
    const refused = buttonPayload(approve, stranger);
    discord.dispatch('INTERACTION_CREATE', refused);
    await until(() =>
      discord.requests.some((r) => r.path.startsWith(`/interactions/${refused.id}/`)),
    );
    expect(inChannel(ids.channel).some((m) => m.content.startsWith('Only the owner'))).toBe(false);
    expect(inChannel(ids.channel).some((m) => m.content === 'It is noon.')).toBe(false);

    const pressed = buttonPayload(approve);
    discord.dispatch('INTERACTION_CREATE', pressed);
    await waitForText(ids.channel, (t) => /approved get_time/.test(t));
    await waitForText(ids.channel, (t) => t === 'It is noon.');
    const callback = discord.requests.find((r) =>
      r.path.startsWith(`/interactions/${pressed.id}/`),
    );
    expect(callback?.body).toMatchObject({ type: 7, data: { components: [] } }); // buttons off
    const toolResult = llm.requests.at(-1)!.body.messages.find((m) => m.role === 'tool');
    expect(String(toolResult?.content)).not.toMatch(/denied/);
  });

  it('splits a long answer into 2,000-character messages, in order', async () => {
    const paragraphs = Array.from({ length: 9 }, (_, i) => `Section ${i}: ${'z'.repeat(600)}`);
    llm.script.push({ text: paragraphs.join('\n\n') });
    const before = inChannel(ids.dmChannel).length;
    discord.dispatch('MESSAGE_CREATE', messagePayload('dm', 'write a lot'));
    await until(
      () => inChannel(ids.dmChannel).some((m) => m.content.includes('Section 8')),
      10_000,
    );
    await until(() => events.some((e) => e.type === 'replied' && e.chunks >= 3), 10_000);
    const texts = inChannel(ids.dmChannel)
      .slice(before)
      .map((m) => m.content);
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(2000);
    expect(texts.join('\n').match(/Section \d/g)).toEqual(paragraphs.map((p) => p.slice(0, 9)));
  });

  it('never lets the model ping: allowed_mentions { parse: [] } on every message and edit', async () => {
    llm.script.push({ text: '@everyone <@&1100000000000000900> <@1100000000000000600> look!' });
    discord.dispatch('MESSAGE_CREATE', messagePayload('dm', 'ping everyone'));
    await waitForText(ids.dmChannel, (t) => t.includes('@everyone'));
    expect(discord.messages.length).toBeGreaterThan(5);
    for (const message of discord.messages) {
      expect(message.body.allowed_mentions).toEqual({ parse: [] });
      for (const edit of message.edits) expect(edit.allowed_mentions).toEqual({ parse: [] });
    }
  });

  it("honours a 429's retry_after before sending again", async () => {
    discord.failures.push({ status: 429, retryAfter: 0.4 });
    discord.dispatch('MESSAGE_CREATE', messagePayload('dm', 'after the limit'));
    await waitForText(ids.dmChannel, (t) => t.includes('after the limit'));
    const retry = events.find((e) => e.type === 'retry');
    expect(retry).toEqual({ type: 'retry', channel: 'discord', status: 429, delayMs: 400 });
    const posts = discord.requests.filter(
      (r) => r.method === 'POST' && r.path === `/channels/${ids.dmChannel}/messages`,
    );
    const limited = posts.findIndex((r, i) => i > 0 && r.at - posts[i - 1]!.at >= 400);
    expect(limited).toBeGreaterThan(0);
  });

  it('answers /ask as a message and echoes the question on the interaction', async () => {
    const payload = commandPayload('ask', 'slash question');
    discord.dispatch('INTERACTION_CREATE', payload);
    const reply = await waitForText(ids.channel, (t) => t.includes('slash question'));
    expect(reply.content).toBe('echo: Alice: slash question');
    const callback = discord.requests.find((r) =>
      r.path.startsWith(`/interactions/${payload.id}/`),
    );
    expect(callback?.body).toMatchObject({ type: 5 }); // deferred: "thinking…"
    await until(() => discord.interactions.get(payload.id as string)?.original !== undefined);
    expect(discord.interactions.get(payload.id as string)?.original).toMatchObject({
      content: '> slash question',
    });
  });
  it('downloads attachments from the CDN: images to the model, documents to the workspace', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const payload = messagePayload('dm', 'look at these');
    payload.attachments = [
      discord.addAttachment('photo.png', 'image/png', png),
      discord.addAttachment('notes.csv', 'text/csv', Buffer.from('a,b\n1,2\n')),
    ];
    const before = llm.requests.length;
    discord.dispatch('MESSAGE_CREATE', payload);
    await until(() => llm.requests.length > before, 20_000);
    const user = llm.requests[before]!.body.messages.at(-1)!;
    const parts = user.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts[1]!.image_url!.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(parts[0]!.text).toMatch(
      /\[attached document "notes.csv" saved at \/workspace\/[\w-]+-notes.csv, 8 bytes\]/,
    );
  });
});
