import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { newJob } from '../test/contract/stores.js';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import {
  type Running,
  startParley,
  tempDir,
  testConfig,
  writeTestConfigFile,
} from '../test/harness.js';
import { testJob } from '../test/jobs.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { jobsCommand } from './jobs.js';

/** The same commands on SQLite and on Postgres (`storage` of the config). */
function jobsSuite(name: string, storage: () => Promise<Record<string, unknown>>): void {
  describe(name, () => {
    let llm: OpenAIDouble;
    let parley: Running;
    const channel = new TestChannel();
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const { config, url } = parley.app;
      const web = { ...config.web, port: Number(new URL(url).port) };
      const code = await jobsCommand(args, { ...config, web }, (line) => lines.push(line));
      return { code, lines };
    };

    beforeAll(async () => {
      llm = await startOpenAIDouble();
      parley = await startParley(
        testConfig({
          llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789', stream: false },
          storage: await storage(),
        }),
        { channels: [channel] },
      );
    });
    afterAll(async () => {
      await parley.close();
      await llm.close();
    });

    it('lists, runs now (through the running Parley) and cancels jobs', async () => {
      expect((await run('list')).lines).toEqual(['No scheduled jobs.']);
      const job = await parley.app.jobs!.create(
        testJob({
          instruction: 'Check the backups',
          every: '6 hours',
        }),
      );
      llm.script.push({ text: 'Backups are fine.' });
      expect(await run('run-now', String(job.id))).toEqual({
        code: 0,
        lines: [`Job #${job.id} is running now.`],
      });
      await channel.waitForDeliveries(1);
      expect(channel.texts()).toEqual(['Backups are fine.']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { code, lines } = await run('list');
      expect(code).toBe(0);
      expect(lines[0]).toMatch(
        new RegExp(`^#${job.id} \\[active\\] every 6 h, next .*: Check the backups$`),
      );
      expect(lines[1]).toBe('    in test:bot:user-1, owner test:user-1');
      expect(lines[2]).toMatch(/^ {4}due .*, ok, 15 tokens, .*\(run now by admin:web\)$/);
      expect(await run('cancel', String(job.id))).toEqual({
        code: 0,
        lines: [`Job #${job.id} cancelled.`],
      });
      expect((await parley.app.stores.jobs.get(job.id))?.state).toBe('cancelled');
      expect((await run('cancel', String(job.id))).code).toBe(1);
      expect((await run('run-now', String(job.id))).lines).toEqual([
        `Could not run job #${job.id}: job #${job.id} is cancelled.`,
      ]);
      expect((await run('frobnicate')).code).toBe(2);
    });
  });
}

jobsSuite('parley jobs', async () => ({}));
// On Postgres the scheduler runs on the holder of lease `scheduler`; the command reads the database.
describe.skipIf(!postgres.available)(`on Postgres ${postgres.skipReason}`, () => {
  jobsSuite('parley jobs', async () => ({ driver: 'postgres', url: await freshSchema() }));
});

describe('parley sessions purge', () => {
  it("deletes the scheduled jobs the user owns, with the user's conversations", async () => {
    const dir = tempDir();
    const configPath = writeTestConfigFile(dir);
    const stores = openSqliteStores(join(dir, 'data', 'parley.db'));
    await stores.jobs.create(newJob({ owner: 'telegram:42' }), 10);
    const kept = await stores.jobs.create(newJob({ owner: 'telegram:7' }), 10);
    await stores.close();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/parley.ts', 'sessions', 'purge', 'telegram:42'],
      { env: { PATH: process.env.PATH, PARLEY_CONFIG: configPath } },
    );
    expect(stdout).toContain('and 1 scheduled jobs of telegram:42');
    const after = openSqliteStores(join(dir, 'data', 'parley.db'));
    expect((await after.jobs.list({ limit: 10 })).map((j) => j.id)).toEqual([
      'job' in kept ? kept.job.id : 0,
    ]);
    await after.close();
  });
});
