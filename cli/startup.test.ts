/**
 * A plain `parley start` (web chat only, sandbox off) must not load what it does not
 * use: messenger libraries and dockerode weigh tens of megabytes and most of a
 * second of start-up, and are loaded only when their channel or the sandbox is on;
 * the admin console (OpenAPI routes and schemas) only on its first request; the
 * `openai` package only for voice (model calls do not use it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnParley, tempDir, writeTestConfigFile } from '../test/harness.js';

describe('parley start', () => {
  it('loads no messenger library, no dockerode, no MCP SDK, no HTML parser, no admin console and no provider client (before the first model or audio call) when they are not in use', async () => {
    const dir = tempDir();
    const configPath = writeTestConfigFile(dir);
    const record = join(dir, 'modules.txt');
    const { child, ready } = spawnParley(
      ['--require', './test/fixtures/record-modules.cjs', '--import', 'tsx', 'cli/parley.ts'],
      { PATH: process.env.PATH, PARLEY_CONFIG: configPath, RECORD_MODULES: record },
    );
    await ready;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const loaded = readFileSync(record, 'utf8').split('\n');
    expect(loaded.some((path) => path.includes('/node_modules/better-sqlite3/'))).toBe(true);
    const unwanted = loaded.filter((path) =>
      /\/node_modules\/(dockerode|docker-modem|ssh2|discord\.js|@discordjs|@slack|grammy|@grammyjs|@whiskeysockets|linkedom|@mozilla\/readability|@modelcontextprotocol|@hono\/zod-openapi|@asteasolutions|openai)\//.test(
        path,
      ),
    );
    expect(unwanted).toEqual([]);
  });
});
