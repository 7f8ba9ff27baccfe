/**
 * An idle Parley sleeps: with the web chat and Telegram (polling the Bot API double)
 * running and no traffic, its main thread wakes at most about once a second. Every
 * wake-up of a sleeping thread is a voluntary context switch, so counting them in
 * `/proc/<pid>/task/<pid>/status` catches any source: JavaScript timers and intervals,
 * libuv timers inside Node (prom-client's event-loop-delay histogram sampled every
 * 10 ms by default), and helper threads posting to the loop.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTelegramDouble, TEST_TOKEN, type TelegramDouble } from '../test/doubles/telegram.js';
import { sleep, spawnParley, tempDir, writeTestConfigFile } from '../test/harness.js';
import { until } from '../test/wait.js';

const linux = process.platform === 'linux';

/** Voluntary context switches of the process's main thread so far. */
function mainThreadWakeups(pid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
}

describe('an idle parley', () => {
  let double: TelegramDouble | undefined;
  afterEach(async () => {
    await double?.close();
  });

  it.skipIf(!linux)(
    'wakes its main thread at most about once a second (reads /proc, Linux only)',
    async () => {
      double = await startTelegramDouble();
      const dir = tempDir();
      const configPath = writeTestConfigFile(dir, {
        extra: [
          'llm: { baseUrl: "http://127.0.0.1:9/v1", apiKey: test }',
          `channels: { telegram: { enabled: true, token: "${TEST_TOKEN}", apiRoot: "${double.apiRoot}" } }`,
        ],
      });
      const { child, ready } = spawnParley(['--import', 'tsx', 'cli/parley.ts'], {
        PATH: process.env.PATH,
        PARLEY_CONFIG: configPath,
      });
      try {
        await ready;
        const polling = () => double!.calls.some((call) => call.method === 'getUpdates');
        await until(polling, 10_000, { what: 'first getUpdates' });
        await sleep(1500); // start-up work (module loading, first checkpoint) settles
        const before = mainThreadWakeups(child.pid!);
        await sleep(4000);
        const wakeups = mainThreadWakeups(child.pid!) - before;
        // A 1 s sampler and the odd GC wake-up: a handful. A 10 ms timer: about 400.
        expect(wakeups).toBeLessThanOrEqual(16);
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
    30_000,
  );
});
