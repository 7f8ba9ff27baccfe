/**
 * Telegram transport and crash safety through a real Parley: webhook mode (secret
 * check, 200 only once stored) and a crash after Telegram confirmed the update
 * (SIGKILL of a child Parley mid-turn, then a new Parley on the same data dir
 * answers exactly once).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParleyConfig } from '../../cli/config/schema.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import {
  startTelegramDouble,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../../test/doubles/telegram.js';
import { type Running, startParley, tempDir, testConfig } from '../../test/harness.js';

const OWNER = { id: 111, first_name: 'Ada' };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('telegram transport and crash safety', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function doubles(): Promise<{ llm: OpenAIDouble; tg: TelegramDouble }> {
    const llm = await startOpenAIDouble();
    const tg = await startTelegramDouble();
    cleanups.push(
      () => llm.close(),
      () => tg.close(),
    );
    return { llm, tg };
  }

  it('webhook: wrong secret gets 401 and stores nothing; the right one is stored before 200', async () => {
    const { llm, tg } = await doubles();
    const port = await freePort();
    const parley = await startParley(
      testConfig({
        web: { port },
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test' },
        access: { owners: ['telegram:111'] },
        channels: {
          telegram: {
            enabled: true,
            token: TEST_TOKEN,
            apiRoot: tg.apiRoot,
            webhook: { url: `http://127.0.0.1:${port}/telegram/webhook`, secret: 'hook_Secret-1' },
          },
        },
      }),
    );
    cleanups.push(() => parley.close());
    expect(tg.webhook).toEqual({
      url: `http://127.0.0.1:${port}/telegram/webhook`,
      secret: 'hook_Secret-1',
    });
    expect(tg.count('getUpdates')).toBe(0);
    const update = tg.messageUpdate({ chatId: 111, from: OWNER, text: 'via hook' });
    expect(await tg.deliverWebhook(update, 'wrong-secret')).toBe(401);
    const noHeader = await fetch(`${parley.app.url}/telegram/webhook`, {
      method: 'POST',
      body: JSON.stringify(update),
    });
    expect(noHeader.status).toBe(401);
    const inbox = parley.app.bridge.inbox;
    const rows = async () => Object.values(await inbox.counts()).reduce((a, b) => a + b, 0);
    expect(await rows()).toBe(0);
    expect(await tg.deliverWebhook(update)).toBe(200);
    expect(await rows()).toBe(1);
    await waitUntil(() => tg.chat(111).some((m) => m.text === 'echo: via hook'));
    expect(await tg.deliverWebhook(update)).toBe(200);
    await parley.app.bridge.drain();
    expect(tg.chat(111)).toHaveLength(1);
  });

  it('a crash after Telegram confirmed the update still ends in exactly one reply, with its photo', async () => {
    const { llm, tg } = await doubles();
    const config = testConfig({
      dataDir: tempDir(),
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test' },
      access: { owners: ['telegram:111'] },
      channels: {
        telegram: {
          enabled: true,
          token: TEST_TOKEN,
          apiRoot: tg.apiRoot,
          pollingTimeoutSeconds: 1,
        },
      },
    });
    const child = startChild(config);
    cleanups.push(() => void child.kill('SIGKILL'));
    await waitUntil(() => tg.count('getUpdates') > 0, 20_000);
    llm.script.push({ hang: true });
    const photo = Buffer.from('jpeg bytes kept as a file');
    const fileId = tg.addFile(photo, 'photos/file_9.jpg');
    const update = tg.message({
      chatId: 111,
      from: OWNER,
      caption: 'survive this',
      photo: { fileId, size: photo.length },
    });
    const updateId = update.update_id as number;
    await waitUntil(() => tg.confirmedOffset > updateId && llm.requests.length === 1, 20_000);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(tg.count('sendMessage')).toBe(0);

    const parley: Running = await startParley(config);
    cleanups.push(() => parley.close());
    await waitUntil(() => tg.chat(111).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await parley.app.bridge.drain();
    expect(tg.chat(111).map((m) => m.text)).toEqual([
      expect.stringMatching(/^echo: survive this\n\[attached image saved at/),
    ]);
    expect(tg.count('sendMessage')).toBe(1);
    // The turn run again still has the photo: read from the saved file, not the inbox row.
    const parts = llm.requests.at(-1)!.body.messages.at(-1)!.content as {
      type: string;
      image_url?: { url: string };
    }[];
    expect(parts.find((p) => p.type === 'image_url')?.image_url?.url).toBe(
      `data:image/jpeg;base64,${photo.toString('base64')}`,
    );
    expect(tg.count('getFile')).toBe(1);
  });
});

/** Runs a Parley in a child process (tsx) that can be killed like a crash. */
function startChild(config: ParleyConfig): ChildProcess {
  const script = join(tempDir('parley-child-'), 'child.mts');
  writeFileSync(
    script,
    [
      `import { startParley } from ${JSON.stringify(join(ROOT, 'test/harness.ts'))};`,
      `import { validate } from ${JSON.stringify(join(ROOT, 'cli/config/load.ts'))};`,
      `await startParley(validate(JSON.parse(process.env.PARLEY_CHILD_CONFIG ?? '{}')));`,
      'setInterval(() => {}, 60_000);',
    ].join('\n'),
  );
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PARLEY_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
