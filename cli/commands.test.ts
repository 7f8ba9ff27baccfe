/**
 * The small CLI commands, run as a user runs them (a real `parley` process on a
 * temp data folder): `--version`, `url`, the startup banner, `sessions`, `help | head`
 * and a port conflict.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { spawnParley, tempDir, writeTestConfigFile } from '../test/harness.js';

const CLI = ['--import', 'tsx', 'cli/parley.ts'];

function parley(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...CLI, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
}

async function runUntilReady(env: Record<string, string>) {
  const { child, ready } = spawnParley(CLI, { PATH: process.env.PATH, ...env });
  let stdout = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const url = await ready;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return { url, stdout, stderr };
}

describe('parley CLI', () => {
  it('--version prints the package version', () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string })
      .version;
    const result = parley(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`parley ${version} (Node ${process.versions.node})\n`);
  });

  it('prints a generated token with where it is stored, and `parley url` prints it again', async () => {
    const dir = tempDir();
    const config = writeTestConfigFile(dir);
    const { url, stdout } = await runUntilReady({ PARLEY_CONFIG: config });
    const token = /\?token=([\w-]+)/.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect(stdout).toContain(`Web chat: ${url}/?token=${token}`);
    expect(stdout).toContain(`Admin console: ${url}/admin?token=${token}`);
    expect(stdout).toContain(`stored in ${join(dir, 'data', 'parley.db')}`);
    const again = parley(['url'], { PARLEY_CONFIG: config, PARLEY_WEB_PORT: '8799' });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(
      `Web chat:      http://127.0.0.1:8799/?token=${token}\nAdmin console: http://127.0.0.1:8799/admin?token=${token}\n`,
    );
  });

  it('never prints a token the operator set, and uses web.publicOrigin in the links', async () => {
    const dir = tempDir();
    const config = writeTestConfigFile(dir);
    const token = 'operator-chosen-token-0123456789';
    const env = { PARLEY_CONFIG: config, PARLEY_WEB_TOKEN: token };
    const { stdout, stderr } = await runUntilReady({
      ...env,
      PARLEY_WEB_PUBLIC_ORIGIN: 'https://chat.example.com',
    });
    expect(stdout + stderr).not.toContain(token);
    expect(stdout).toContain(
      'Web chat: https://chat.example.com/  Admin: https://chat.example.com/admin',
    );
    expect(stdout).toContain('web.token / PARLEY_WEB_TOKEN');
    const url = parley(['url'], { ...env, PARLEY_WEB_PUBLIC_ORIGIN: 'https://chat.example.com' });
    expect(url.stdout).toContain(`https://chat.example.com/?token=${token}`);
  });

  it('`parley url` before the first start says how to get a token', () => {
    const result = parley(['url'], { PARLEY_CONFIG: writeTestConfigFile(tempDir()) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No access token yet');
  });

  it('a port in use names the variable that changes it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, [...CLI, 'start'], {
        env: {
          PATH: process.env.PATH,
          PARLEY_CONFIG: writeTestConfigFile(tempDir()),
          PARLEY_WEB_PORT: String(port),
        },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `Parley could not start: port ${port} on 127.0.0.1 is already in use`,
      );
      expect(result.stderr).toContain('choose another port with PARLEY_WEB_PORT');
    } finally {
      blocker.close();
    }
  });

  it('sessions: list prints the ids export and purge accept; unknown ids and empty lists say so', async () => {
    const dir = tempDir();
    const config = writeTestConfigFile(dir);
    const env = { PARLEY_CONFIG: config };
    const empty = parley(['sessions', 'list'], env);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toBe('No sessions yet.\n');

    const stores = openSqliteStores(join(dir, 'data', 'parley.db'));
    const dm = await stores.sessions.active({
      ...{ key: 'telegram:default:42', channel: 'telegram', conversationId: '42' },
      ...{ chatType: 'dm', userId: '42' },
    });
    await stores.sessions.add(dm.id, { role: 'user', content: 'hi', senderId: '42' });
    await stores.sessions.active({
      ...{ key: 'telegram:default:-100', channel: 'telegram', conversationId: '-100' },
      chatType: 'group',
    });
    await stores.close();

    const list = parley(['sessions', 'list'], env);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const dmLine = lines.find((line) => line.includes(' dm '))!;
    const id = dmLine.split(/\s+/)[0]!;
    expect(id).toBe('telegram:42');
    expect(lines.find((line) => line.includes(' group '))).toMatch(/^telegram group -100 /);

    const exported = parley(['sessions', 'export', id], env);
    expect(exported.status).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ channel: 'telegram', userId: '42' });

    const unknown = parley(['sessions', 'export', 'telegram:43'], env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Nothing stored for telegram:43');
    const malformed = parley(['sessions', 'purge', '42'], env);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('Expected <channel:user>');

    const purged = parley(['sessions', 'purge', id], env);
    expect(purged.status).toBe(0);
    expect(purged.stdout).toContain('Purged 1 sessions, 1 messages');
    expect(parley(['sessions', 'purge', id], env).status).toBe(1);
  });

  it('`parley help | head` ends quietly when the pipe closes early', async () => {
    // `true` exits before Parley writes, so every write meets a closed pipe (EPIPE).
    const command = `set -o pipefail; "${process.execPath}" ${CLI.join(' ')} help | true`;
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
