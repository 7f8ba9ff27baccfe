/**
 * Adapter behaviour that needs no whole Parley: a second poller on the same token
 * (409 Conflict) is reported in plain words instead of crash-looping, and the
 * adapter's send honours topics and buttons.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import {
  startTelegramDouble,
  TEST_BOT,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../../test/doubles/telegram.js';
import { tempDir } from '../../test/harness.js';
import { TelegramChannel } from './adapter.js';

const sink = { accept: async () => ({ duplicate: false }) };

function channel(double: TelegramDouble): TelegramChannel {
  return new TelegramChannel({
    token: TEST_TOKEN,
    apiRoot: double.apiRoot,
    botInfo: TEST_BOT,
    files: workspaceFiles(tempDir()),
    rateLimits: {},
    pollingTimeoutSeconds: 5,
    log: pino({ level: 'silent' }),
  });
}

describe('telegram adapter', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('reports a 409 Conflict from a second poller with a fix, and stops polling', async () => {
    const double = await startTelegramDouble();
    const first = channel(double);
    const second = channel(double);
    stops.push(
      () => double.close(),
      () => first.stop(),
      () => second.stop(),
    );
    await first.start(sink);
    await waitUntil(() => double.count('getUpdates') >= 1);
    await second.start(sink);
    await waitUntil(() => first.status().state === 'error');
    expect(first.status().detail).toMatch(/409 Conflict/);
    expect(first.status().fix).toMatch(/Stop the other/);
    const calls = double.count('getUpdates');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(double.count('getUpdates')).toBeLessThanOrEqual(calls + 1);
  });

  it('sends buttons as an inline keyboard and replies into a topic', async () => {
    const double = await startTelegramDouble();
    const adapter = channel(double);
    stops.push(() => double.close());
    double.message({ chatId: -500, topicId: 9, text: 'open topic' });
    await adapter.send(
      { account: 'default', conversationId: '-500', threadId: '9', chatType: 'group' },
      { text: 'pick', format: 'telegram-html', buttons: [{ label: 'Yes', data: 'y' }] },
    );
    expect(double.chat(-500)[0]).toMatchObject({
      threadId: 9,
      replyMarkup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }]] },
    });
  });
});
