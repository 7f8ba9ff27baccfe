/**
 * No secret leaks, searched for the way an attacker would: distinct secrets are planted
 * in every configured secret (the provider key, the web token, a Telegram bot token)
 * and in the credentials of configured URLs (a search instance, the provider's base
 * URL); then every path that could carry one is
 * exercised — a provider that echoes the key in its answer (streamed) and in its error
 * bodies (401, 500), a provider that is down, a base URL with a password in it, a
 * refused channel token, wrong web tokens, the admin API's provider check, `parley
 * doctor` — and the logs, the database files, `/metrics`, every admin API response,
 * every frame the web chat received and the CLI's output are searched for each secret
 * in its exact, URL-encoded and base64 forms. The count must be 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { startTelegramDouble, type TelegramDouble } from '../doubles/telegram.js';
import { sleep, tempDir, WebClient } from '../harness.js';

const SECRETS = {
  apiKey: 'sk-plantedOPENAIkey-4f1c9a7e2b',
  webToken: 'plantedWEBtoken-8d3e6b1a9c4f7e2d',
  telegram: '987654321:plantedTELEGRAMtoken-AbCdEf123',
  urlPassword: 'plantedURLpassword-5e8c2a',
};

/** Every form a secret is searched in. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])];
}

function hits(haystack: string, where: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS))
    for (const form of forms(secret))
      if (haystack.includes(form)) found.push(`${name} in ${where}`);
  return found;
}

const children: ChildProcess[] = [];
let llm: OpenAIDouble | undefined;
let tg: TelegramDouble | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await llm?.close();
  await tg?.close();
});

function configFile(dir: string, baseUrl: string): string {
  const path = join(dir, `parley-${Math.random().toString(16).slice(2)}.yaml`);
  const yaml = [
    `dataDir: ${join(dir, 'data')}`,
    `web: { port: 0, token: "${SECRETS.webToken}" }`,
    'logging: { level: debug }',
    `llm: { baseUrl: "${baseUrl}", apiKey: "${SECRETS.apiKey}", maxRetries: 0, timeoutMs: 5000 }`,
    `channels: { telegram: { enabled: true, token: "${SECRETS.telegram}", apiRoot: "${tg!.apiRoot}" } }`,
    // A second configured URL with credentials (a search instance behind basic auth).
    `webSearch: { url: "http://search:${SECRETS.urlPassword}@127.0.0.1:9/" }`,
    'sandbox: { enabled: false }',
  ].join('\n');
  writeFileSync(path, yaml);
  return path;
}

/** `parley <args>` as a child process; resolves with its whole output once it exits. */
function cli(args: string[], configPath: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/parley.ts', ...args], {
    env: { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', () => resolve(out)));
}

/** A running `parley start`: its URL and everything it printed so far. */
async function start(
  configPath: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/parley.ts', 'start'], {
    env: { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`parley exited (${code}): ${out}`)));
  });
  return { child, url, output: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Every GET route of the admin API (from its OpenAPI document), with the token. */
async function adminResponses(url: string): Promise<string> {
  const auth = { authorization: `Bearer ${SECRETS.webToken}` };
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  let all = '';
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!methods.get) continue;
    const concrete = path.replace(/\{[^}]+\}/g, '1');
    const res = await fetch(`${url}${concrete}`, { headers: auth });
    all += `\n${path} ${res.status} ${await res.text()}`;
  }
  const ping = await fetch(`${url}/api/provider/ping`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'x-parley-request': '1' },
    body: '{}',
  });
  all += `\nping ${await ping.text()}`;
  return all;
}

/** Wrong tokens in every place a token is accepted. */
async function wrongTokens(url: string): Promise<string> {
  let all = '';
  const attempts: Record<string, string>[] = [
    { authorization: `Bearer ${SECRETS.webToken.slice(0, -1)}x` },
    { cookie: `parley_token=${encodeURIComponent(SECRETS.apiKey)}` },
    { authorization: `Bearer ${SECRETS.telegram}` },
  ];
  for (const headers of attempts) {
    const res = await fetch(`${url}/api/status`, { headers });
    all += `\n${res.status} ${await res.text()}`;
  }
  const res = await fetch(`${url}/?token=${encodeURIComponent(SECRETS.apiKey)}`);
  all += `\n${res.status} ${await res.text()}`;
  return all;
}

function databaseBytes(dir: string): string {
  const data = join(dir, 'data');
  return readdirSync(data)
    .filter((name) => name.startsWith('parley.db'))
    .map((name) => readFileSync(join(data, name)).toString('latin1'))
    .join('\n');
}

describe('secrets never leak', () => {
  it('plants a secret in every configured secret and URL and finds none anywhere', async () => {
    llm = await startOpenAIDouble();
    tg = await startTelegramDouble(); // it knows another token: ours is refused with 401
    const dir = tempDir();
    const found: string[] = [];
    const echo = `${'Sure, let me look that up for you. '.repeat(12)}the key you sent is ${SECRETS.apiKey}, password ${SECRETS.urlPassword}, ${'and that is all. '.repeat(12)}`;

    // Round 1: a provider that echoes the key (answer, streamed) and returns errors
    // quoting it; wrong web tokens; the admin API.
    const clean = configFile(dir, llm.baseUrl);
    const first = await start(clean);
    const client = await new WebClient(first.url, SECRETS.webToken, 'secret-client-01').connect();
    llm.script.push({ text: echo, deltaDelayMs: 5 });
    await client.send('what is my key?');
    await client.waitForMessages(1, 20_000);
    // The echo did happen (and was streamed): what reached the chat is its redacted form.
    expect(client.messages()[0]!.text).toContain('the key you sent is [redacted]');
    expect(client.frames.some((f) => f.type === 'delta')).toBe(true);
    llm.script.push({ status: 401 }, { status: 500 });
    llm.fallback = () => ({ status: 500 });
    await client.send('again');
    await client.waitForMessages(2, 20_000);
    await client.send('and again');
    await client.waitForMessages(3, 20_000);
    found.push(...hits(await adminResponses(first.url), 'admin API'));
    found.push(...hits(await wrongTokens(first.url), 'responses to wrong tokens'));
    const metrics = await fetch(`${first.url}/metrics`, {
      headers: { authorization: `Bearer ${SECRETS.webToken}` },
    });
    found.push(...hits(await metrics.text(), '/metrics'));
    await llm.close(); // the provider goes down
    llm = undefined;
    await client.send('are you there?');
    await client.waitForMessages(4, 30_000);
    found.push(...hits(JSON.stringify(client.frames), 'web chat frames (round 1)'));
    client.close();
    await stop(first.child);
    expect(first.output()).toMatch(/provider/i); // the failures were logged, at debug level
    found.push(...hits(first.output(), 'logs (round 1)'));

    // Round 2: the password sits in the configured base URL.
    const withPassword = configFile(dir, `http://parley:${SECRETS.urlPassword}@127.0.0.1:9/v1`);
    const second = await start(withPassword);
    const again = await new WebClient(second.url, SECRETS.webToken, 'secret-client-02').connect();
    await again.send('hello?');
    await again.waitForMessages(1, 30_000);
    found.push(...hits(JSON.stringify(again.frames), 'web chat frames (round 2)'));
    found.push(...hits(await adminResponses(second.url), 'admin API (round 2)'));
    again.close();
    await stop(second.child);
    found.push(...hits(second.output(), 'logs (round 2)'));

    // The CLI, and what is stored.
    found.push(...hits(await cli(['doctor'], withPassword), 'parley doctor'));
    found.push(...hits(await cli(['config', 'validate'], withPassword), 'parley config validate'));
    found.push(...hits(await cli(['status'], clean), 'parley status'));
    await sleep(100);
    found.push(...hits(databaseBytes(dir), 'the database'));

    expect(found).toEqual([]);
  }, 180_000);
});
