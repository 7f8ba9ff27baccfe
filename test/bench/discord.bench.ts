/**
 * Discord channel benchmark against the loopback Discord API double: a real
 * discord.js client logs in (REST + gateway), then
 *   - inbound: 2,000 MESSAGE_CREATE dispatches → discord.js → normalize → sink,
 *   - outbound: 40 sequential `send` calls (REST POST with allowed_mentions),
 *   - the sender pipeline: one 9,000-character answer chunked to 2,000 and sent in order;
 *   - whole turns (`turns.ts`): DMs through a real Parley with a 50 ms model, latency
 *     above the model and CPU per message.
 */
import pino from 'pino';
import { Sender } from '../../bridge/outbound/sender.js';
import { DiscordChannel } from '../../channels/discord/adapter.js';
import { fixture, ids, messagePayload } from '../../channels/discord/fixtures/index.js';
import { percentile } from '../../cli/metrics.js';
import { type DiscordDouble, startDiscordDouble } from '../doubles/discord.js';
import { until } from '../wait.js';
import { measureTurns, type TurnDriver } from './turns.js';

/** Whole turns: a DM dispatched at the gateway, the reply posted to the REST double. */
function discordTurns(double: DiscordDouble): TurnDriver {
  return {
    adapter: () =>
      new DiscordChannel(
        { token: 'bench-token', apiRoot: double.apiRoot, streaming: 'none' },
        pino({ level: 'silent' }),
      ),
    inject: (i) => double.dispatch('MESSAGE_CREATE', messagePayload('dm', `turn ${i}`)),
    onReply: (listener) => {
      double.onMessage = listener;
    },
  };
}

const INBOUND = 2000;
/** Below discord.js's own global budget of 50 requests/s, which it enforces (we reject, not wait). */
const OUTBOUND = 40;

const round = (n: number) => Math.round(n * 100) / 100;

export default async function bench(): Promise<Record<string, unknown>> {
  const double = await startDiscordDouble({
    ready: fixture('ready'),
    guilds: [fixture('guild-create')],
  });
  const adapter = new DiscordChannel(
    { token: 'bench-token', apiRoot: double.apiRoot, streaming: 'none' },
    pino({ level: 'silent' }),
  );
  let received = 0;
  const loginStarted = performance.now();
  await adapter.start({
    accept: async () => {
      received++;
      return { duplicate: false };
    },
  });
  const loginMs = performance.now() - loginStarted;
  try {
    const inboundStarted = performance.now();
    for (let i = 0; i < INBOUND; i++)
      double.dispatch('MESSAGE_CREATE', messagePayload(i % 2 ? 'dm' : 'mention', `message ${i}`));
    await until(() => received >= INBOUND, 60_000);
    const inboundMs = performance.now() - inboundStarted;

    const target = { account: 'default', conversationId: ids.dmChannel, chatType: 'dm' as const };
    const latencies: number[] = [];
    for (let i = 0; i < OUTBOUND; i++) {
      const started = performance.now();
      await adapter.send(target, { text: `reply ${i}`, format: 'markdown' });
      latencies.push(performance.now() - started);
    }

    const sender = new Sender(adapter);
    const long = Array.from({ length: 15 }, (_, i) => `Part ${i} ${'x'.repeat(590)}`).join('\n\n');
    const chunkStarted = performance.now();
    const chunkIds = await sender.send(target, long);
    const chunkMs = performance.now() - chunkStarted;
    await sender.stop();
    await adapter.stop();
    const turns = await measureTurns(discordTurns(double), { gapMs: 210 });
    return {
      loginMs: round(loginMs),
      inboundMessages: INBOUND,
      inboundPerSecond: Math.round(INBOUND / (inboundMs / 1000)),
      outboundSends: OUTBOUND,
      sendP50Ms: round(percentile(latencies, 50) ?? 0),
      sendP95Ms: round(percentile(latencies, 95) ?? 0),
      sendP99Ms: round(percentile(latencies, 99) ?? 0),
      longAnswerChars: long.length,
      longAnswerChunks: chunkIds.length,
      longAnswerMs: round(chunkMs),
      turns,
    };
  } finally {
    await adapter.stop();
    await double.close();
  }
}
