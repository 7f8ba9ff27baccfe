/**
 * Test wiring for the Discord channel: a {@link DiscordChannel} logged in to the
 * Discord API double (REST + gateway on 127.0.0.1), with a sink that records what
 * the adapter delivers. Used by the adapter and contract tests.
 */
import pino, { type Logger } from 'pino';
import type { InboundMessage, InboundSink } from '../../core/contract.js';
import {
  type DiscordDouble,
  type DiscordDoubleOptions,
  startDiscordDouble,
} from '../../test/doubles/discord.js';
import { until as poll } from '../../test/wait.js';
import { DiscordChannel, type DiscordOptions } from './adapter.js';
import { fixture } from './fixtures/index.js';

export interface DiscordRig {
  double: DiscordDouble;
  adapter: DiscordChannel;
  received: InboundMessage[];
  sink: InboundSink;
  /** Log lines written by the adapter (JSON). */
  logs: string[];
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const until = (condition: () => boolean, timeoutMs = 5000): Promise<void> =>
  poll(condition, timeoutMs, { what: 'waiting for the Discord adapter' });

/** A double plus an adapter pointed at it (not started). */
export async function discordRig(
  options: Partial<DiscordOptions> = {},
  doubleOptions: Partial<DiscordDoubleOptions> = {},
): Promise<DiscordRig> {
  const double = await startDiscordDouble({
    ready: fixture('ready'),
    guilds: [fixture('guild-create')],
    ...doubleOptions,
  });
  const logs: string[] = [];
  const log: Logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const adapter = new DiscordChannel(
    { token: 'test-bot-token', apiRoot: double.apiRoot, streaming: 'none', ...options },
    log,
  );
  const received: InboundMessage[] = [];
  const sink: InboundSink = {
    accept: async (message) => {
      received.push(message);
      return { duplicate: false };
    },
  };
  return {
    double,
    adapter,
    received,
    sink,
    logs,
    until,
    close: async () => {
      await adapter.stop();
      await double.close();
    },
  };
}
