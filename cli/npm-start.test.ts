/**
 * `npm start` as a user runs it: it compiles only when sources changed, and
 * stopping it (SIGTERM to the npm process, as `kill <pid>` or a supervisor does)
 * stops Parley too, so the port is free again. (The start-up time itself is
 * measured by hand and in the closing notes, never in a timed test.)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTestConfigFile } from '../test/harness.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when nothing listens on the port any more (we can bind it ourselves). */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function npmStart(env: NodeJS.ProcessEnv) {
  const child = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (stdout.includes('Web chat: ')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`npm start exited (${code}): ${stdout}${stderr}`)),
    );
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

describe('npm start', () => {
  it('does not recompile when nothing changed, and SIGTERM to npm frees the port', async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PARLEY_CONFIG: writeTestConfigFile(tempDir(), { web: `{ port: ${port} }` }),
    };
    // The first run builds if dist/ is older than the sources; the second must not.
    const first = npmStart(env);
    await first.ready;
    first.child.kill('SIGTERM');
    await first.exited;
    await expect.poll(() => portIsFree(port), { timeout: 5_000 }).toBe(true);

    const second = npmStart(env);
    await second.ready;
    expect(second.output().stderr).not.toContain('compiling');
    expect(await portIsFree(port)).toBe(false);
    second.child.kill('SIGTERM');
    await second.exited;
    await expect.poll(() => portIsFree(port), { timeout: 5_000 }).toBe(true);

    // npm killed outright cannot forward anything: Parley notices it was orphaned.
    const third = npmStart(env);
    await third.ready;
    third.child.kill('SIGKILL');
    await third.exited;
    await expect.poll(() => portIsFree(port), { timeout: 10_000 }).toBe(true);
  }, 180_000);
});
