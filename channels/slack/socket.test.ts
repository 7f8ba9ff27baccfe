import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/contract.js';
import { type SlackDouble, startSlackDouble } from '../../test/doubles/slack.js';
import { SlackChannel } from './adapter.js';
import { loadFixture } from './fixtures.js';

describe('slack adapter in Socket Mode', () => {
  let slack: SlackDouble;
  let channel: SlackChannel;
  let received: InboundMessage[];
  let gate: Promise<void>;

  beforeEach(async () => {
    slack = await startSlackDouble();
    channel = new SlackChannel(
      {
        botToken: 'xoxb-socket',
        appToken: 'xapp-1-socket-token',
        apiUrl: slack.apiUrl,
        eventsPath: '/slack/events',
        minIntervalMs: 0,
      },
      { http: undefined, log: pino({ level: 'silent' }) },
    );
    received = [];
    gate = Promise.resolve();
    await channel.start({
      accept: async (message) => {
        await gate;
        received.push(message);
        return { duplicate: false };
      },
    });
  });
  afterEach(async () => {
    await channel.stop();
    await slack.close();
  });

  it('connects with the app token and acks an event only after it is stored', async () => {
    const open = slack.calls.find((c) => c.method === 'apps.connections.open');
    expect(open?.token).toBe('xapp-1-socket-token');
    expect(channel.status()).toMatchObject({ state: 'connected', detail: 'socket mode' });
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const acked = slack.deliverOverSocket(loadFixture('app_mention'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.socketAcks.size).toBe(0);
    release();
    await acked;
    expect(received[0]).toMatchObject({
      text: 'what is the capital of France?',
      chatType: 'group',
    });
  });

  it('delivers block_actions over the socket', async () => {
    await slack.deliverOverSocket(loadFixture('block_actions'), 'interactive');
    expect(received[0]!.action?.data).toBe('approval:ABC123:approve');
  });
});
