import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sender } from '../../bridge/outbound/sender.js';
import type { InboundMessage } from '../../core/contract.js';
import { PlatformError } from '../../core/errors.js';
import {
  postSlackCommand,
  postSlackEvent,
  type SlackDouble,
  startSlackDouble,
} from '../../test/doubles/slack.js';
import { loopbackServer } from '../../test/http.js';
import { SlackChannel } from './adapter.js';
import { loadFixture } from './fixtures.js';

const SECRET = 'test-signing-secret-0123456789';
const log = pino({ level: 'silent' });

describe('slack adapter over HTTP', () => {
  let slack: SlackDouble;
  let http: ReturnType<typeof loopbackServer>;
  let channel: SlackChannel;
  let url: string;
  let received: InboundMessage[];
  let accept: (message: InboundMessage) => Promise<{ duplicate: boolean }>;

  beforeEach(async () => {
    slack = await startSlackDouble();
    http = loopbackServer(log, 'web-token-0123456789');
    channel = new SlackChannel(
      {
        botToken: 'xoxb-test-token',
        signingSecret: SECRET,
        apiUrl: slack.apiUrl,
        eventsPath: '/slack/events',
        minIntervalMs: 0,
        commands: ['reset', 'status', 'help'],
      },
      { http: http.app, log },
    );
    slack.users.set('U0ALICE01', {
      id: 'U0ALICE01',
      name: 'alice',
      real_name: 'Alice Liddell',
      profile: { display_name: 'Alice', real_name: 'Alice Liddell' },
    });
    slack.users.set('U0BOB0001', {
      id: 'U0BOB0001',
      name: 'bob',
      profile: { display_name: '', real_name: 'Bob Builder' },
    });
    received = [];
    accept = async (message) => {
      received.push(message);
      return { duplicate: false };
    };
    await channel.start({ accept: (message) => accept(message) });
    url = `${await http.listen()}/slack/events`;
  });
  afterEach(async () => {
    await channel.stop();
    await http.close();
    await slack.close();
  });

  it('calls auth.test once with the bot token and reports connected', () => {
    expect(slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
    expect(slack.calls[0]!.token).toBe('xoxb-test-token');
    expect(channel.status().state).toBe('connected');
  });

  it('names the sender with users.info, asked once per person', async () => {
    await postSlackEvent(url, SECRET, loadFixture('app_mention'));
    const again = loadFixture<{ event_id: string; event: { ts: string } }>('app_mention');
    again.event_id = 'Ev0MENTION02';
    again.event.ts = '1712345679.000100';
    await postSlackEvent(url, SECRET, again);
    expect(received.map((m) => m.sender)).toEqual([
      { id: 'U0ALICE01', name: 'Alice' },
      { id: 'U0ALICE01', name: 'Alice' },
    ]);
    expect(slack.calls.filter((c) => c.method === 'users.info')).toHaveLength(1);
  });

  it("gives the thread so far as context when mentioned inside someone else's thread", async () => {
    const thread = '1712345600.000100';
    slack.threadMessages.push(
      {
        channel: 'C0GENERAL',
        ts: thread,
        thread_ts: thread,
        user: 'U0BOB0001',
        text: 'The build is red since Monday',
      },
      {
        channel: 'C0GENERAL',
        ts: '1712345650.000100',
        thread_ts: thread,
        user: 'U0ALICE01',
        text: 'only on the ARM runner',
      },
    );
    const mention = loadFixture<{ event: Record<string, string> }>('app_mention');
    mention.event.thread_ts = thread;
    mention.event.text = '<@UBOT0001> any idea why?';
    await postSlackEvent(url, SECRET, mention);
    expect(received[0]!.text).toBe(
      '[Earlier in this thread]\nBob Builder: The build is red since Monday\nAlice: only on the ARM runner\n[Message]\nany idea why?',
    );
    // once the bot takes part, later mentions there carry no repeated context
    const later = loadFixture<{ event_id: string; event: Record<string, string> }>('app_mention');
    later.event_id = 'Ev0MENTION03';
    later.event.thread_ts = thread;
    later.event.ts = '1712345700.000100';
    later.event.text = '<@UBOT0001> and now?';
    await postSlackEvent(url, SECRET, later);
    expect(received[1]!.text).toBe('and now?');
  });

  it('turns the /parley slash command into a chat command or a question, echoed to the asker only', async () => {
    const base = {
      command: '/parley',
      user_id: 'U0ALICE01',
      user_name: 'alice',
      channel_id: 'C0GENERAL',
      team_id: 'T0001',
      response_url: 'http://127.0.0.1:9/unused',
    };
    const reset = await postSlackCommand(url, SECRET, { ...base, text: 'reset', trigger_id: 't1' });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ response_type: 'ephemeral', text: '> reset' });
    await postSlackCommand(url, SECRET, { ...base, text: 'what is 2+2?', trigger_id: 't2' });
    expect(received.map((m) => [m.text, m.mentionsBot, m.platformMessageId])).toEqual([
      ['/reset', true, 'command:t1'],
      ['what is 2+2?', true, 'command:t2'],
    ]);
  });

  it('accepts a correctly signed event and answers 200', async () => {
    const res = await postSlackEvent(url, SECRET, loadFixture('app_mention'));
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toBe('what is the capital of France?');
  });

  it('refuses a bad signature with 401', async () => {
    const res = await postSlackEvent(url, SECRET, loadFixture('app_mention'), {
      signWith: 'not-the-secret',
    });
    expect(res.status).toBe(401);
    expect(received).toHaveLength(0);
  });

  it('refuses a correctly signed request older than five minutes with 401', async () => {
    const timestamp = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await postSlackEvent(url, SECRET, loadFixture('app_mention'), { timestamp });
    expect(res.status).toBe(401);
    expect(received).toHaveLength(0);
  });

  it('answers 503 while stopped and works again after a restart', async () => {
    await channel.stop();
    expect((await postSlackEvent(url, SECRET, loadFixture('message_im'))).status).toBe(503);
    await channel.start({ accept: (message) => accept(message) });
    expect((await postSlackEvent(url, SECRET, loadFixture('message_im'))).status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it('answers the url_verification challenge', async () => {
    const res = await postSlackEvent(url, SECRET, loadFixture('url_verification'));
    expect(await res.json()).toEqual({
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });
  });

  it('acknowledges only after the event is stored, and 500 when storing fails', async () => {
    let release!: () => void;
    const stored = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = false;
    accept = async (message) => {
      await stored;
      received.push(message);
      return { duplicate: false };
    };
    const pending = postSlackEvent(url, SECRET, loadFixture('message_im')).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);
    expect(received).toHaveLength(1);

    accept = async () => {
      throw new Error('disk full');
    };
    const failed = await postSlackEvent(url, SECRET, loadFixture('message_channel'));
    expect(failed.status).toBe(500);
  });

  it('answers 200 to ignored events (own and other bots) without accepting them', async () => {
    for (const name of ['message_own', 'message_bot', 'message_changed'] as const) {
      expect((await postSlackEvent(url, SECRET, loadFixture(name))).status).toBe(200);
    }
    expect(received).toHaveLength(0);
  });

  it('turns a form-encoded block_actions payload into an action', async () => {
    const res = await postSlackEvent(url, SECRET, loadFixture('block_actions'), { form: true });
    expect(res.status).toBe(200);
    expect(received[0]!.action).toEqual({
      data: 'approval:ABC123:approve',
      callbackId: 'parley_button_0',
      messageId: '1700000000.000002',
    });
  });

  it('posts into the thread, with Block Kit buttons when asked', async () => {
    const target = { account: 'T0001', conversationId: 'C0GENERAL', threadId: '171.1' };
    const sent = await channel.send(target, {
      text: '*Approval needed*',
      format: 'slack-mrkdwn',
      buttons: [{ label: 'Approve', data: 'approval:X1:approve', style: 'primary' }],
    });
    expect(sent.messageId).toBe(slack.posts[0]!.ts);
    expect(slack.posts[0]).toMatchObject({ channel: 'C0GENERAL', thread_ts: '171.1' });
    expect(slack.posts[0]!.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Approval needed*' } },
      {
        type: 'actions',
        block_id: 'parley_actions',
        elements: [
          {
            type: 'button',
            action_id: 'parley_button_0',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'approval:X1:approve',
            style: 'primary',
          },
        ],
      },
    ]);
  });

  it('tags reply pieces with their delivery key; a resumed piece Slack already has is not posted again', async () => {
    const dm = { account: 'T0001', conversationId: 'D0ALICE01' };
    const inThread = { ...dm, conversationId: 'C0GENERAL', threadId: '171.1' };
    const piece = (key: string, resumed: boolean) => ({
      text: 'the answer',
      format: 'slack-mrkdwn',
      delivery: { key, resumed },
    });
    const callsOf = (method: string) => slack.calls.filter((c) => c.method === method).length;
    const first = await channel.send(dm, piece('a.b.0', false));
    const second = await channel.send(inThread, piece('a.b.1', false));
    // The normal path: one post each, no read-back.
    expect(slack.calls.map((c) => c.method).filter((m) => m.startsWith('conversations'))).toEqual(
      [],
    );
    expect(slack.posts[0]!.metadata).toEqual({
      event_type: 'parley_delivery',
      event_payload: { key: 'a.b.0' },
    });
    // Resumed after a take-over: found in the history / the thread, so not posted again.
    expect((await channel.send(dm, piece('a.b.0', true))).messageId).toBe(first.messageId);
    expect((await channel.send(inThread, piece('a.b.1', true))).messageId).toBe(second.messageId);
    expect(callsOf('conversations.history')).toBe(1);
    expect(callsOf('conversations.replies')).toBe(1);
    // Resumed but never delivered: looked for, not found, posted once.
    await channel.send(dm, piece('a.b.2', true));
    expect(slack.posts.map((p) => p.metadata?.event_payload.key)).toEqual([
      'a.b.0',
      'a.b.1',
      'a.b.2',
    ]);
  });

  it('maps a 429 to PlatformError with Retry-After and other refusals to non-retryable 400', async () => {
    const target = { account: 'T0001', conversationId: 'C0GENERAL' };
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const limited = await channel.send(target, { text: 'x', format: 'plain' }).catch((e) => e);
    expect(limited).toBeInstanceOf(PlatformError);
    expect(limited).toMatchObject({ status: 429, retryAfterSeconds: 7, retryable: true });
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const refused = await channel.send(target, { text: 'x', format: 'plain' }).catch((e) => e);
    expect(refused).toMatchObject({ status: 400, code: 'channel_not_found', retryable: false });
  });

  it('lets the sender wait exactly Retry-After, then delivers once', async () => {
    const waits: number[] = [];
    const sender = new Sender(channel, {
      retry: { sleep: async (ms) => void waits.push(ms), maxAttempts: 3 },
    });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    await sender.send({ account: 'T0001', conversationId: 'D0ALICEDM' }, 'hello **there**');
    await sender.stop();
    expect(waits).toEqual([2000]);
    expect(slack.posts.map((p) => p.text)).toEqual(['hello *there*']);
  });

  it('edits with chat.update and shows the outcome under a pressed prompt', async () => {
    const target = { account: 'T0001', conversationId: 'C0GENERAL' };
    const { messageId } = await channel.send(target, { text: 'draft', format: 'slack-mrkdwn' });
    await channel.edit(target, messageId, { text: 'final', format: 'slack-mrkdwn' });
    expect(slack.edits.get(messageId)).toBe('final');
    await postSlackEvent(url, SECRET, loadFixture('block_actions'), { form: true });
    const types = () =>
      (
        slack.calls.filter((c) => c.method === 'chat.update').at(-1)!.args.blocks as {
          type: string;
        }[]
      ).map((b) => b.type);
    // refused (not the owner): the outcome shows, the buttons stay for the owner
    await channel.acknowledgeAction(received[0]!, {
      text: 'Only the owner can answer this approval request.',
      final: false,
    });
    expect(types()).toEqual(['section', 'actions', 'context']);
    await channel.acknowledgeAction(received[0]!, {
      text: 'Request ABC123: approved get_time.',
      final: true,
    });
    const update = slack.calls.filter((c) => c.method === 'chat.update').at(-1)!;
    expect(update.args.ts).toBe('1700000000.000002');
    expect(JSON.stringify(update.args.blocks)).toContain('approved get_time');
    expect(types()).toEqual(['section', 'context']); // decided: no buttons to press again
  });
});
