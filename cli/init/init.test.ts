/**
 * `parley init` driven as a person or a script drives it: the real CLI process,
 * answers piped into its stdin, the provider an OpenAI-compatible double and
 * Telegram the Bot API double, both on loopback. What it writes is loaded back
 * with Parley's own config loader.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import {
  startTelegramDouble,
  TEST_TOKEN,
  type TelegramDouble,
} from '../../test/doubles/telegram.js';
import { tempDir } from '../../test/harness.js';
import { loadConfig } from '../config/load.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function init(
  args: string[],
  answers: string[] | undefined,
  env: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/parley.ts', 'init', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdin.end(answers ? `${answers.join('\n')}\n` : '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('parley init', () => {
  let llm: OpenAIDouble;
  let telegram: TelegramDouble;
  beforeAll(async () => {
    llm = await startOpenAIDouble();
    telegram = await startTelegramDouble();
  });
  afterAll(async () => {
    await llm.close();
    await telegram.close();
  });

  it('asks, checks the provider and the bot token live, and writes a parley.yaml Parley loads', async () => {
    const path = join(tempDir(), 'parley.yaml');
    llm.script.push({ text: 'Hello and welcome to Parley!' });
    const answers = [
      '6', // another OpenAI-compatible server
      llm.baseUrl,
      '', // no API key
      '', // the model the server lists
      'y', // Telegram
      'wrong:token', // refused by getMe
      'y', // enter it again
      TEST_TOKEN,
      '4242', // owner id
      'n', // Discord
      'n', // Slack
      'n', // WhatsApp
      'n', // keep the sandbox on? (only asked when Docker or the image is missing)
    ];
    const run = await init(
      ['--config', path, '--sandbox-image', 'parley-init-missing:1'],
      answers,
      {
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The server offers: test-model');
    expect(run.stdout).toMatch(/✓ test-model answered in \d+ ms: "Hello and welcome to Parley!"/);
    expect(run.stdout).toContain('✗ Telegram: getMe: HTTP 401');
    expect(run.stdout).toContain('✓ Telegram: credentials accepted: bot @ParleyTestBot');
    expect(run.stdout).toMatch(
      /run: (docker pull parley-init-missing:1|sudo apt-get install docker\.io)/,
    );
    expect(run.stdout).toContain(`Wrote ${path} (readable only by you: it holds a secret).`);
    expect(run.stdout).toContain('npm start');
    expect(run.stdout).not.toContain(TEST_TOKEN);
    expect(llm.requests.at(-1)?.body.model).toBe('test-model');

    expect(statSync(path).mode & 0o777).toBe(0o600);
    const config = loadConfig({ path, env: {} });
    expect(config.llm).toMatchObject({ baseUrl: llm.baseUrl, model: 'test-model' });
    expect(config.llm.apiKey).toBeUndefined();
    expect(config.channels.telegram).toMatchObject({ enabled: true, token: TEST_TOKEN });
    expect(config.access.owners).toEqual(['telegram:4242']);
    expect(config.sandbox.enabled).toBe(false);
  });

  it('runs from flags alone with --yes, using a key from the environment without copying it', async () => {
    const path = join(tempDir(), 'parley.yaml');
    const key = 'sk-from-the-environment-123';
    const run = await init(
      [
        '--yes',
        '--config',
        path,
        '--provider',
        'vllm',
        '--base-url',
        llm.baseUrl,
        '--model',
        'test-model',
        '--sandbox',
        'off',
      ],
      undefined,
      { OPENAI_API_KEY: key, TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ test-model answered');
    expect(run.stdout).toContain('✓ Telegram: credentials accepted');
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain(TEST_TOKEN);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const config = loadConfig({
      path,
      env: { OPENAI_API_KEY: key, TELEGRAM_BOT_TOKEN: TEST_TOKEN },
    });
    expect(config.llm.apiKey).toBe(key);
    expect(config.channels.telegram).toMatchObject({ enabled: true, token: TEST_TOKEN });
    expect(config.sandbox.enabled).toBe(false);
  });

  it('writes nothing when a --yes run fails its provider check, and names the fix', async () => {
    const path = join(tempDir(), 'parley.yaml');
    llm.script.push({ status: 401 });
    const run = await init(
      [
        '--yes',
        '--config',
        path,
        '--provider',
        'custom',
        '--base-url',
        llm.baseUrl,
        '--api-key',
        'sk-bad',
        '--model',
        'test-model',
        '--sandbox',
        'off',
      ],
      undefined,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ bad API key: the provider refused it (HTTP 401)');
    expect(run.stdout).toContain('fix: Set a valid key');
    expect(run.stderr).toContain('Nothing was written.');
    expect(existsSync(path)).toBe(false);
  });

  it('keeps an existing file unless told to replace it, and stops cleanly when the input ends', async () => {
    const path = join(tempDir(), 'parley.yaml');
    writeFileSync(path, 'llm:\n  model: mine\n');
    const scripted = await init(['--yes', '--config', path], undefined);
    expect(scripted.code).toBe(1);
    expect(scripted.stderr).toContain('exists; pass --force to replace it');
    const early = await init(['--config', path], ['y', '6']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      'the input ended before the question "Server URL" was answered. Nothing was written.',
    );
    expect(readFileSync(path, 'utf8')).toBe('llm:\n  model: mine\n');
  });
});
