/**
 * Slack bench, loopback only:
 *
 * - inbound: signed Events API POSTs to `/slack/events` on a real HttpServer, through
 *   signature check, Bolt, normalisation and `accept` (an in-memory sink), with 20
 *   requests in flight; reports events/s and ack latency (p50/p99), which must stay
 *   far below Slack's 3-second deadline;
 * - outbound: replies to 50 channels through the real sender (render → chunk →
 *   throttle → retry) against the Web API double, with the per-channel gap scaled
 *   down by `scale`; `achievedFraction` = achieved ÷ allowed messages/s;
 * - whole turns (`turns.ts`): DMs over 50 conversations through a real Parley with a
 *   50 ms model, latency above the model and CPU per message.
 *
 * Env: PARLEY_BENCH_SLACK_EVENTS (default 1000), PARLEY_BENCH_SLACK_REPLIES (500),
 * PARLEY_BENCH_SLACK_SCALE (0.02).
 */
import pino, { type Logger } from 'pino';
import { Sender } from '../../bridge/outbound/sender.js';
import { SlackChannel } from '../../channels/slack/adapter.js';
import { percentile } from '../../cli/metrics.js';
import {
  postSlackEvent,
  SLACK_BOT_USER,
  type SlackDouble,
  startSlackDouble,
} from '../doubles/slack.js';
import { loopbackServer } from '../http.js';
import { measureTurns, type TurnDriver } from './turns.js';

const SECRET = 'bench-signing-secret';
const CHANNELS = 50;

function envelope(i: number): unknown {
  return {
    type: 'event_callback',
    team_id: 'T0001',
    event_id: `EvBench${i}`,
    event: {
      type: i % 2 ? 'app_mention' : 'message',
      channel_type: i % 2 ? 'channel' : 'im',
      channel: i % 2 ? `C${i % CHANNELS}` : `D${i % CHANNELS}`,
      user: `U${i % 97}`,
      text: `${i % 2 ? `<@${SLACK_BOT_USER}> ` : ''}question number ${i} about **things**`,
      ts: `1712400000.${String(i).padStart(6, '0')}`,
    },
  };
}

export default async function bench(): Promise<Record<string, unknown>> {
  const events = Number(process.env.PARLEY_BENCH_SLACK_EVENTS ?? 1000);
  const replies = Number(process.env.PARLEY_BENCH_SLACK_REPLIES ?? 500);
  const scale = Number(process.env.PARLEY_BENCH_SLACK_SCALE ?? 0.02);
  const log = pino({ level: 'silent' });
  const slack = await startSlackDouble();
  const http = loopbackServer(log, 'bench-token');
  const minIntervalMs = 1000 * scale;
  const channel = new SlackChannel(
    {
      botToken: 'xoxb-bench',
      signingSecret: SECRET,
      apiUrl: slack.apiUrl,
      eventsPath: '/slack/events',
      minIntervalMs,
    },
    { http: http.app, log },
  );
  let accepted = 0;
  await channel.start({
    accept: async () => {
      accepted++;
      return { duplicate: false };
    },
  });
  const url = `${await http.listen()}/slack/events`;
  try {
    const inbound = await runInbound(url, events);
    const sender = new Sender(channel, { retry: { maxAttempts: 3, baseDelayMs: 10 } });
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CHANNELS }, async (_, c) => {
        for (let i = c; i < replies; i += CHANNELS)
          await sender.send({ account: 'T0001', conversationId: `C${c}` }, `Answer ${i}: **ok**`);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await sender.stop();
    const turns = await measureTurns(slackTurns(slack, log), {});
    const allowedPerSecond = CHANNELS * (1000 / minIntervalMs);
    return {
      ...inbound,
      accepted,
      replies: slack.posts.length,
      scale,
      repliesPerSecond: Math.round(slack.posts.length / seconds),
      achievedFraction: Number((slack.posts.length / seconds / allowedPerSecond).toFixed(3)),
      turns,
    };
  } finally {
    await channel.stop();
    await http.close();
    await slack.close();
  }
}

/** Whole turns: a signed DM event posted to Parley's HTTP server, the reply at the Web API double. */
function slackTurns(slack: SlackDouble, log: Logger): TurnDriver {
  return {
    adapter: (http) =>
      new SlackChannel(
        {
          botToken: 'xoxb-bench',
          signingSecret: SECRET,
          apiUrl: slack.apiUrl,
          eventsPath: '/slack/events',
          minIntervalMs: 1000,
        },
        { http, log },
      ),
    inject: (i, url) =>
      void postSlackEvent(`${url}/slack/events`, SECRET, {
        type: 'event_callback',
        team_id: 'T0001',
        event_id: `EvTurn${i}`,
        event: {
          type: 'message',
          channel_type: 'im',
          channel: `DT${i % 50}`,
          user: 'U42',
          text: `turn ${i}`,
          ts: `1712500000.${String(i).padStart(6, '0')}`,
        },
      }).then((res) => res.arrayBuffer()),
    onReply: (listener) => {
      slack.onPost = listener;
    },
  };
}

async function runInbound(url: string, events: number): Promise<Record<string, number>> {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < events) {
        const i = next++;
        const t0 = performance.now();
        const res = await postSlackEvent(url, SECRET, envelope(i));
        latencies.push(performance.now() - t0);
        if (res.status !== 200) refused++;
        await res.arrayBuffer();
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  return {
    events,
    refused,
    eventsPerSecond: Math.round(events / seconds),
    ackP50Ms: Number((percentile(latencies, 50) ?? 0).toFixed(2)),
    ackP99Ms: Number((percentile(latencies, 99) ?? 0).toFixed(2)),
  };
}
