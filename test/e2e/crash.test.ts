/**
 * Exactly-once across a crash: the Parley process is killed with SIGKILL while the
 * model is answering; after a restart on the same SQLite file the message is
 * answered, once; in queue mode `collect` a merged turn killed before its freeze runs
 * again merged, and answers its messages once. A second process on the same data
 * folder is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { sleep, spawnParley, tempDir, WebClient, writeTestConfigFile } from '../harness.js';

const TOKEN = 'crash-test-token-0123456789';
const children: ChildProcess[] = [];

async function runParley(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const { child, ready } = spawnParley(['--import', 'tsx', 'cli/parley.ts'], {
    PATH: process.env.PATH,
    PARLEY_CONFIG: configPath,
  });
  children.push(child);
  return { child, url: await ready };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('crash safety', () => {
  let llm: OpenAIDouble;
  afterEach(async () => llm?.close());

  it('answers a message exactly once after SIGKILL while the model was answering', async () => {
    llm = await startOpenAIDouble();
    const dir = tempDir();
    const configPath = writeTestConfigFile(dir, {
      web: `{ port: 0, token: ${TOKEN} }`,
      extra: [`llm: { baseUrl: "${llm.baseUrl}", apiKey: sk-crash-test, maxRetries: 0 }`],
    });
    llm.script.push({ hang: true });
    const first = await runParley(configPath);
    const client = await new WebClient(first.url, TOKEN).connect();
    await client.send('the important question');
    await client.until(() => llm.requests.length === 1);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    client.close();
    expect(client.messages()).toHaveLength(0);

    llm.script.push({ text: 'the one answer' });
    const second = await runParley(configPath);
    const again = await new WebClient(second.url, TOKEN, client.clientId).connect();
    await again.waitForMessages(1);
    await sleep(500);
    expect(again.messages().map((m) => m.text)).toEqual(['the one answer']);
    expect(llm.requests).toHaveLength(2);
    const userTurns = llm.requests[1]!.body.messages.filter((m) => m.role === 'user');
    expect(userTurns.map((m) => m.content)).toEqual(['the important question']);
    again.close();
  });

  it('collect: a merged turn killed before its freeze runs again merged, answered once', async () => {
    llm = await startOpenAIDouble();
    const dir = tempDir();
    const configPath = writeTestConfigFile(dir, {
      web: `{ port: 0, token: ${TOKEN} }`,
      extra: [
        `llm: { baseUrl: "${llm.baseUrl}", apiKey: sk-crash-test, maxRetries: 0 }`,
        'queue: { mode: collect }',
      ],
    });
    llm.script.push({ text: 'answer one', deltaDelayMs: 200 }, { hang: true });
    const first = await runParley(configPath);
    const client = await new WebClient(first.url, TOKEN).connect();
    await client.send('one');
    await client.until(() => llm.requests.length === 1);
    await client.send('two');
    await client.send('three');
    await client.until(() => llm.requests.length === 2);
    const merged = llm.requests[1]!.body.messages.filter((m) => m.role === 'user').at(-1);
    expect(merged!.content).toBe('two\nthree');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    client.close();
    expect(client.messages().map((m) => m.text)).toEqual(['answer one']);

    llm.script.push({ text: 'one answer for two and three' });
    const second = await runParley(configPath);
    const again = await new WebClient(second.url, TOKEN, client.clientId).connect();
    await again.waitForMessages(2);
    await sleep(500);
    expect(again.messages().map((m) => m.text)).toEqual([
      'answer one',
      'one answer for two and three',
    ]);
    expect(llm.requests).toHaveLength(3);
    expect(llm.requests[2]!.body.messages.filter((m) => m.role === 'user').at(-1)!.content).toBe(
      'two\nthree',
    );
    const db = new Database(join(dir, 'data', 'parley.db'), { readonly: true });
    const states = db.prepare('SELECT state FROM inbox ORDER BY id').all() as { state: string }[];
    db.close();
    expect(states.map((row) => row.state)).toEqual(['done', 'done', 'done']);
    again.close();
  });

  it('refuses a second Parley process on the same data folder, with a clear error', async () => {
    llm = await startOpenAIDouble();
    const dir = tempDir();
    const configPath = writeTestConfigFile(dir);
    const first = await runParley(configPath);
    const second = spawn(process.execPath, ['--import', 'tsx', 'cli/parley.ts', 'start'], {
      env: { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(second);
    let stderr = '';
    second.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const code = await new Promise((resolve) => second.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('Another Parley process is using this data folder');
    // The lock dies with its process: after a SIGKILL the folder is free again.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await runParley(configPath);
  });
});
