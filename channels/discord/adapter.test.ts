import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalButtons } from '../../agent/approvals.js';
import { Sender } from '../../bridge/outbound/sender.js';
import { PlatformError } from '../../core/errors.js';
import { DiscordChannel } from './adapter.js';
import {
  buttonPayload,
  commandPayload,
  fixture,
  ids,
  messagePayload,
  stranger,
} from './fixtures/index.js';
import { type DiscordRig, discordRig, until } from './testing.js';

const guildTarget = {
  account: 'default',
  conversationId: ids.channel,
  chatType: 'group' as const,
};

describe('Discord adapter', () => {
  let rig: DiscordRig;
  afterEach(async () => {
    await rig?.close();
  });

  async function started(options: Parameters<typeof discordRig>[0] = {}) {
    rig = await discordRig(options);
    await rig.adapter.start(rig.sink);
    return rig;
  }

  it('reports connected again after a reconnect that resumes and after one that identifies anew', async () => {
    await started();
    rig.double.drop(4000);
    await until(() => rig.double.resumes.length === 1 && rig.adapter.status().detail === 'resumed');
    expect(rig.adapter.status().state).toBe('connected');
    rig.double.drop(4009, { resumable: false });
    await until(() => rig.double.identifies.length === 2, 10_000);
    await until(() => rig.adapter.status().state === 'connected', 10_000);
    expect(rig.adapter.status().detail).toMatch(/logged in as/);
  });

  it('gets the messages sent while the gateway was down once it resumes, as Discord replays them', async () => {
    await started();
    rig.double.drop(4000);
    rig.double.dispatch('MESSAGE_CREATE', messagePayload('dm', 'sent while away'));
    await until(() => rig.adapter.status().detail === 'resumed');
    await rig.until(() => rig.received.length >= 1);
    expect(rig.received.map((m) => m.text)).toEqual(['sent while away']);
    expect(rig.double.identifies).toHaveLength(1);
  });

  it('identifies with the four intents, reports connected and registers the slash commands', async () => {
    await started();
    const intents = rig.double.identifies[0]?.intents as number;
    // Guilds (1) | GuildMessages (512) | DirectMessages (4096) | MessageContent (32768)
    expect(intents).toBe(1 | 512 | 4096 | 32768);
    expect(rig.adapter.status().state).toBe('connected');
    const put = rig.double.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/applications/${ids.bot}/commands`);
    expect((put!.body as unknown as { name: string }[]).map((c) => c.name)).toEqual([
      'ask',
      'reset',
      'status',
    ]);
    expect(put?.authorization).toBe('Bot test-bot-token');
  });

  it('normalises a DM, a mention (stripped), a plain message, a reply to the bot and a thread message', async () => {
    await started();
    for (const [kind, text] of [
      ['dm', 'hello there'],
      ['mention', 'what is up'],
      ['plain', 'just chatting'],
      ['reply', 'and tomorrow?'],
      ['thread', 'in the thread'],
    ] as const)
      rig.double.dispatch('MESSAGE_CREATE', messagePayload(kind, text));
    await rig.until(() => rig.received.length >= 5);
    // In order within a channel; channels do not wait for each other.
    const byText = (text: string) => rig.received.find((m) => m.text === text);
    const [dm, mention, plain, reply, thread] = [
      'hello there',
      'what is up',
      'just chatting',
      'and tomorrow?',
      'in the thread',
    ].map(byText);
    expect(dm).toMatchObject({
      chatType: 'dm',
      conversationId: ids.dmChannel,
      text: 'hello there',
    });
    expect(dm!.sender).toEqual({ id: ids.owner, name: 'Alice', isBot: false });
    expect(mention).toMatchObject({ chatType: 'group', mentionsBot: true, text: 'what is up' });
    expect(plain).toMatchObject({ chatType: 'group', mentionsBot: false, repliesToBot: false });
    expect(reply).toMatchObject({ mentionsBot: false, repliesToBot: true, text: 'and tomorrow?' });
    expect(thread).toMatchObject({
      conversationId: ids.channel,
      threadId: ids.thread,
      mentionsBot: true,
      text: 'in the thread',
    });
  });

  it('stores the messages of one channel in gateway order, while other channels do not wait', async () => {
    rig = await discordRig();
    const log: string[] = [];
    let release = () => {};
    const firstStored = new Promise<void>((resolve) => {
      release = resolve;
    });
    await rig.adapter.start({
      accept: async (message) => {
        log.push(`start ${message.text}`);
        if (message.text === 'first') await firstStored;
        log.push(`end ${message.text}`);
        return { duplicate: false };
      },
    });
    rig.double.dispatch('MESSAGE_CREATE', messagePayload('dm', 'first'));
    rig.double.dispatch('MESSAGE_CREATE', messagePayload('dm', 'second'));
    rig.double.dispatch('MESSAGE_CREATE', messagePayload('plain', 'elsewhere'));
    try {
      await rig.until(() => log.includes('end elsewhere'));
      expect(log).not.toContain('start second');
    } finally {
      release();
    }
    await rig.until(() => log.includes('end second'));
    expect(log.filter((l) => !l.includes('elsewhere'))).toEqual([
      'start first',
      'end first',
      'start second',
      'end second',
    ]);
  });

  it("counts a mention of the bot's own role as a mention, and strips it", async () => {
    await started();
    const role = messagePayload('plain', `<@&${ids.botRole}> what is new?`);
    role.mention_roles = [ids.botRole];
    rig.double.dispatch('MESSAGE_CREATE', role);
    await rig.until(() => rig.received.length >= 1);
    expect(rig.received[0]).toMatchObject({ mentionsBot: true, text: 'what is new?' });
  });

  it("ignores the bot's own messages and shows other mentions by name", async () => {
    await started();
    const own = messagePayload('plain', 'my own reply', fixture('ready').user as never);
    rig.double.dispatch('MESSAGE_CREATE', own);
    const named = messagePayload('mention', `ask <@${ids.owner}> about it`);
    (named.mentions as unknown[]).push(fixture('message-dm').author);
    rig.double.dispatch('MESSAGE_CREATE', named);
    await rig.until(() => rig.received.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rig.received).toHaveLength(1);
    expect(rig.received[0]!.text).toBe('ask @Alice about it');
  });

  it('maps a button press to an action and acknowledges it with a deferred update', async () => {
    await started();
    const payload = buttonPayload('approval:ABC123:approve', stranger);
    rig.double.dispatch('INTERACTION_CREATE', payload);
    await rig.until(() => rig.received.length > 0);
    const press = rig.received[0]!;
    expect(press.action).toEqual({
      data: 'approval:ABC123:approve',
      callbackId: payload.id,
      messageId: (payload.message as { id: string }).id,
    });
    expect(press).toMatchObject({ text: '', chatType: 'group', conversationId: ids.channel });
    expect(press.sender.id).toBe(stranger.id);
    await rig.adapter.acknowledgeAction(press);
    const callback = rig.double.requests.find((r) => r.path.startsWith('/interactions/'));
    expect(callback?.path).toBe(`/interactions/${payload.id}/${payload.token}/callback`);
    expect(callback?.body).toEqual({ type: 6 });
  });

  it('takes the buttons off a decided request: in the press response, or by editing later', async () => {
    await started();
    const first = buttonPayload('approval:ABC123:approve');
    rig.double.dispatch('INTERACTION_CREATE', first);
    await rig.until(() => rig.received.length === 1);
    await rig.adapter.acknowledgeAction(rig.received[0]!, { text: 'approved', final: true });
    const update = rig.double.requests.find((r) => r.path.startsWith(`/interactions/${first.id}/`));
    expect(update?.body).toMatchObject({ type: 7, data: { components: [] } });
    // a press answered automatically first (deadline), decided afterwards: the message is edited
    const second = buttonPayload('approval:ABC124:approve');
    rig.double.dispatch('INTERACTION_CREATE', second);
    await rig.until(() => rig.received.length === 2);
    await rig.adapter.acknowledgeAction(rig.received[1]!); // spinner only
    await rig.adapter.acknowledgeAction(rig.received[1]!, { text: 'approved', final: true });
    const edit = rig.double.requests.find(
      (r) =>
        r.method === 'PATCH' &&
        r.path.endsWith(`/messages/${(second.message as { id: string }).id}`),
    );
    expect(edit?.body).toEqual({ components: [] });
  });

  it('acknowledges a button press nobody answered before the 3 s deadline', async () => {
    await started({ autoAckMs: 50 });
    rig.double.dispatch('INTERACTION_CREATE', buttonPayload('something:else'));
    await rig.until(() => rig.double.requests.some((r) => r.path.startsWith('/interactions/')));
    expect(rig.received[0]!.action?.data).toBe('something:else');
  });

  it('turns /ask text into its text and /reset into "/reset", answering each interaction', async () => {
    await started();
    rig.double.dispatch('INTERACTION_CREATE', commandPayload('ask', 'what time is it?'));
    rig.double.dispatch('INTERACTION_CREATE', commandPayload('reset'));
    await rig.until(
      () => rig.double.requests.filter((r) => r.path.endsWith('/@original')).length >= 2,
    );
    expect(rig.received.map((m) => m.text)).toEqual(['what time is it?', '/reset']);
    expect(rig.received[0]).toMatchObject({ mentionsBot: true, chatType: 'group' });
    const replies = rig.double.requests.filter((r) => r.path.startsWith('/interactions/'));
    expect(replies.map((r) => r.body?.type)).toEqual([5, 5]); // deferred first
    const echoes = rig.double.requests.filter((r) => r.path.endsWith('/@original'));
    expect(echoes.map((r) => r.body?.content).sort()).toEqual(['> what time is it?', '`/reset`']);
    expect(echoes[0]!.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('defers a slash command before storing it, so slow storage still beats the 3 s deadline', async () => {
    rig = await discordRig({}, { interactionDeadlineMs: 300 });
    const accept = rig.sink.accept;
    rig.sink.accept = async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 500)); // storage under backpressure
      return accept(message);
    };
    await rig.adapter.start(rig.sink);
    const payload = commandPayload('ask', 'slow one');
    rig.double.dispatch('INTERACTION_CREATE', payload);
    await rig.until(
      () => rig.double.interactions.get(payload.id as string)?.original !== undefined,
      3000,
    );
    expect(rig.received.map((m) => m.text)).toEqual(['slow one']);
    expect(rig.double.interactions.get(payload.id as string)?.original).toMatchObject({
      content: '> slow one',
    });
  });

  it('sends with allowed_mentions { parse: [] }, buttons as components, into threads, and types', async () => {
    await started();
    await rig.adapter.send(guildTarget, {
      text: '@everyone look <@&123> <@456>',
      format: 'markdown',
      buttons: approvalButtons('ABC123'),
    });
    await rig.adapter.send(
      { ...guildTarget, threadId: ids.thread },
      { text: 'in thread', format: 'markdown' },
    );
    await rig.adapter.typing(guildTarget);
    const [first, second] = rig.double.messages;
    expect(first!.channelId).toBe(ids.channel);
    expect(first!.body.allowed_mentions).toEqual({ parse: [] });
    expect(first!.body.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Approve', custom_id: 'approval:ABC123:approve' },
          { type: 2, style: 2, label: 'Allow for session', custom_id: 'approval:ABC123:session' },
          { type: 2, style: 4, label: 'Deny', custom_id: 'approval:ABC123:deny' },
        ],
      },
    ]);
    expect(second!.channelId).toBe(ids.thread);
    expect(rig.double.requests.some((r) => r.path === `/channels/${ids.channel}/typing`)).toBe(
      true,
    );
  });

  it('sends a reply piece with its delivery key as an enforced nonce: a repeat is the same one message', async () => {
    await started();
    const piece = {
      text: 'the answer',
      format: 'markdown',
      delivery: { key: 'k1.mabc.0', resumed: false },
    };
    const first = await rig.adapter.send(guildTarget, piece);
    const again = await rig.adapter.send(guildTarget, {
      ...piece,
      delivery: { key: 'k1.mabc.0', resumed: true },
    });
    const other = await rig.adapter.send(guildTarget, {
      ...piece,
      delivery: { key: 'k1.mabc.1', resumed: false },
    });
    expect(rig.double.requests.filter((r) => r.method === 'POST')[0]!.body).toMatchObject({
      nonce: 'k1.mabc.0',
      enforce_nonce: true,
    });
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    expect(rig.double.messages.map((m) => m.content)).toEqual(['the answer', 'the answer']);
    expect(rig.double.nonceRepeats.map((r) => r.nonce)).toEqual(['k1.mabc.0']);
  });

  it('sends through REST without opening the gateway when the channel is not started here (a worker)', async () => {
    rig = await discordRig();
    const sent = await rig.adapter.send(guildTarget, { text: 'from a worker', format: 'markdown' });
    await rig.adapter.typing(guildTarget);
    expect(rig.double.messages.map((m) => [m.id, m.content])).toEqual([
      [sent.messageId, 'from a worker'],
    ]);
    expect(rig.double.requests[0]!.authorization).toBe('Bot test-bot-token');
    expect(rig.double.identifies).toHaveLength(0);
    expect(rig.double.requests.some((r) => r.path === '/gateway/bot')).toBe(false);
  });

  it('edits with allowed_mentions too', async () => {
    await started();
    const sent = await rig.adapter.send(guildTarget, { text: 'draft', format: 'markdown' });
    await rig.adapter.edit(guildTarget, sent.messageId, { text: 'final', format: 'markdown' });
    expect(rig.double.messages[0]!.content).toBe('final');
    expect(rig.double.messages[0]!.edits[0]).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('honours retry_after of a 429 through the sender, in order, within 2,000 characters', async () => {
    await started();
    rig.double.failures.push({ status: 429, retryAfter: 0.3 });
    const retries: number[] = [];
    const sender = new Sender(rig.adapter, {
      retry: { maxAttempts: 3, onRetry: (_e, _a, delayMs) => retries.push(delayMs) },
    });
    const text = Array.from({ length: 6 }, (_, i) => `Part ${i} ${'y'.repeat(700)}`).join('\n\n');
    await sender.send(guildTarget, text);
    await sender.stop();
    expect(retries).toEqual([300]);
    const posts = rig.double.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/messages'),
    );
    expect(posts).toHaveLength(rig.double.messages.length + 1);
    const contents = rig.double.messages.map((m) => m.content);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(2000);
    expect(contents.join('\n').match(/Part \d/g)).toEqual([
      'Part 0',
      'Part 1',
      'Part 2',
      'Part 3',
      'Part 4',
      'Part 5',
    ]);
  });

  it('maps API refusals: 429 with retry-after, 50035 with its code, never retried 403', async () => {
    await started();
    rig.double.failures.push({ status: 429, retryAfter: 2 });
    const limited = await rig.adapter
      .send(guildTarget, { text: 'x', format: 'markdown' })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(PlatformError);
    expect(limited).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    rig.double.failures.push({ status: 400, code: 50035, message: 'Invalid Form Body' });
    const invalid = await rig.adapter
      .send(guildTarget, { text: 'x', format: 'markdown' })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: 50035, retryable: false });
  });

  it('opens a thread for a mention when startThreads is on and answers into it', async () => {
    await started({ startThreads: true });
    const payload = messagePayload('mention', 'plan the trip');
    rig.double.dispatch('MESSAGE_CREATE', payload);
    await rig.until(() => rig.received.length > 0);
    const create = rig.double.requests.find((r) => r.path.endsWith('/threads'));
    expect(create?.path).toBe(`/channels/${ids.channel}/messages/${payload.id}/threads`);
    expect(create?.body).toMatchObject({ name: 'plan the trip' });
    expect(rig.received[0]).toMatchObject({ conversationId: ids.channel, threadId: payload.id });
  });
});

describe('Discord adapter: capabilities', () => {
  it('declares 2,000 characters, Markdown, buttons, threads, typing, 5 per 5 s per channel, and streaming from config', () => {
    const log = pino({ level: 'silent' });
    const editing = new DiscordChannel({}, log).capabilities;
    expect(editing).toMatchObject({
      maxMessageLength: 2000,
      format: 'markdown',
      edits: true,
      buttons: true,
      threads: true,
      typing: true,
      streaming: 'edit',
      // Discord's per-channel limit: 5 messages per 5 s.
      rateLimits: { perGroup: { max: 5, windowMs: 5000 } },
    });
    expect(new DiscordChannel({ streaming: 'none' }, log).capabilities.streaming).toBe('none');
  });
});

describe('Discord adapter: refused privileged intent', () => {
  it('says where to enable Message Content when the gateway closes with 4014', async () => {
    const rig = await discordRig({}, { closeOnIdentify: 4014 });
    await rig.adapter.start(rig.sink);
    const status = rig.adapter.status();
    expect(status.state).toBe('error');
    expect(status.detail).toContain('4014');
    expect(status.fix).toContain('Privileged Gateway Intents');
    expect(status.fix).toContain('Message Content Intent');
    expect(status.fix).toContain('https://discord.com/developers/applications');
    const line = rig.logs
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => l.level >= 50);
    expect(line?.msg).toContain('Message Content Intent');
    await rig.close();
  });

  it('reports a missing token without connecting', async () => {
    const rig = await discordRig({ token: undefined });
    await rig.adapter.start(rig.sink);
    expect(rig.adapter.status()).toMatchObject({ state: 'error' });
    expect(rig.adapter.status().fix).toContain('DISCORD_BOT_TOKEN');
    expect(rig.double.requests).toHaveLength(0);
    await rig.close();
  });
});
