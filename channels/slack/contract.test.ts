/**
 * The shared channel contract for Slack: events are POSTed, signed, to the real
 * `/slack/events` endpoint on Parley's real HTTP server; sends go to the Web API double.
 */
import pino from 'pino';
import { channelContract, type InjectKind } from '../../test/contract/channel.js';
import { postSlackEvent, startSlackDouble } from '../../test/doubles/slack.js';
import { loopbackServer } from '../../test/http.js';
import { SlackChannel } from './adapter.js';
import { type FixtureName, loadFixture } from './fixtures.js';
import type { SlackEventEnvelope } from './types.js';

const SECRET = 'contract-signing-secret';
const log = pino({ level: 'silent' });

const FIXTURE: Record<InjectKind, FixtureName> = {
  dm: 'message_im',
  groupMention: 'app_mention',
  groupPlain: 'message_channel',
  threadReply: 'message_thread_reply',
};

channelContract('slack', {
  async setup() {
    const slack = await startSlackDouble();
    const http = loopbackServer(log, 'web-token-xyz');
    const url = `${await http.listen()}/slack/events`;
    const adapter = new SlackChannel(
      {
        botToken: 'xoxb-contract',
        signingSecret: SECRET,
        apiUrl: slack.apiUrl,
        eventsPath: '/slack/events',
        minIntervalMs: 0,
      },
      { http: http.app, log },
    );
    let counter = 0;
    return {
      adapter,
      async inject(kind: InjectKind, text: string) {
        const envelope = loadFixture<SlackEventEnvelope>(FIXTURE[kind]);
        const mention = kind === 'groupMention' ? '<@UBOT0001> ' : '';
        envelope.event.text = `${mention}${text}`;
        envelope.event_id = `EvContract${++counter}`;
        const res = await postSlackEvent(url, SECRET, envelope);
        if (res.status !== 200) throw new Error(`endpoint answered ${res.status}`);
      },
      sent: () =>
        slack.posts.map((p) => ({
          conversationId: p.channel,
          text: p.text,
          ...(p.thread_ts ? { threadId: p.thread_ts } : {}),
        })),
      edited: () => slack.edits,
      fail429Once: (retryAfter: number) =>
        slack.failNext('chat.postMessage', { status: 429, retryAfter }),
      target: { account: 'T0001', conversationId: 'C0GENERAL', chatType: 'group' },
      async teardown() {
        await http.close();
        await slack.close();
      },
    };
  },
});
