/**
 * The attack battery, against a real Docker engine: every attempt must fail safely
 * and leave no container with Parley's label behind.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorkspaceFiles,
  saveToWorkspace,
  workspaceFor,
} from '../sessions/workspace/index.js';
import { diagnose } from '../tools/sandbox/diagnose.js';
import { DockerSandbox, type SandboxRequest } from './docker-sandbox.js';
import { dockerSkipReason, labelledContainers, testSandboxConfig } from './testing.js';

const skip = await dockerSkipReason();

describe.skipIf(skip)('DockerSandbox attack battery', () => {
  const sandbox = new DockerSandbox(testSandboxConfig({ memoryMb: 64, pidsLimit: 32 }));
  let workspace: string;
  const sh = (command: string, extra: Partial<SandboxRequest> = {}) =>
    sandbox.run({ cmd: ['sh', '-c', command], workspace, ...extra });

  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    workspace = workspaceFor(dataDir, 'test:attack');
  });
  afterEach(async () => {
    expect(await labelledContainers(sandbox.owner.instance)).toEqual([]);
  });

  it('runs a command as an unprivileged user with /workspace writable', async () => {
    const result = await sh('echo hi; id -u; touch /workspace/made && echo ok; echo err >&2');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('hi\n65534\nok\n');
    expect(result.stderr).toBe('err\n');
    expect(readFileSync(join(workspace, 'made'), 'utf8')).toBe('');
  });

  describe('network', () => {
    let server: Server;
    let hits = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.end('host secret page');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("cannot reach the host's loopback server, other hosts, or DNS", async () => {
      const { port } = server.address() as AddressInfo;
      const result = await sh(
        `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 127.0.0.1 ${port}; echo "rc=$?"; nc -w 2 10.0.0.1 ${port} </dev/null; nslookup example.com; ip addr 2>/dev/null | grep inet`,
      );
      expect(result.stdout).not.toContain('host secret page');
      expect(result.stdout).toContain('rc=1');
      expect(result.stderr).toMatch(/127\.0\.0\.1.*Connection refused/);
      expect(result.stderr).toMatch(/10\.0\.0\.1.*Network is unreachable/);
      expect(result.stdout).not.toMatch(/inet (?!127\.)/); // only loopback inside
      expect(hits).toBe(0);
      expect(diagnose({ ...result, exitCode: 1 })?.kind).toBe('network-disabled');
    });
  });

  it('can read files a channel saved into the workspace as another user', async () => {
    const saved = saveToWorkspace(workspace, 'attachment.txt', Buffer.from('from telegram'));
    const result = await sh(`cat /workspace/${basename(saved)}`);
    expect(result.stdout).toBe('from telegram');
    const inbound = await createWorkspaceFiles(dataDir).saveInbound(
      'web:c',
      'b.txt',
      Buffer.from('b'),
    );
    expect(
      (await sandbox.run({ cmd: ['cat', basename(inbound)], workspace: dirname(inbound) })).stdout,
    ).toBe('b');
  });

  it('cannot read host files outside the workspace', async () => {
    const secretDir = mkdtempSync(join(tmpdir(), 'parley-host-'));
    writeFileSync(join(secretDir, 'secret.txt'), 'host-only-secret');
    const result = await sh(
      `cat ${secretDir}/secret.txt; cat /etc/shadow; ls -a /; ls /workspace/..`,
    );
    expect(result.stdout + result.stderr).not.toContain('host-only-secret');
    expect(result.stderr).toMatch(/No such file or directory/);
  });

  it('cannot write outside /workspace (read-only root, tmpfs /tmp)', async () => {
    const result = await sh('touch /tmp/fine && echo tmp-ok; touch /owned; touch /etc/owned');
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(result.stdout).toBe('tmp-ok\n');
    expect(diagnose(result)?.kind).toBe('permission-denied');
  });

  it('finds no Docker socket and has no capabilities', async () => {
    const result = await sh(
      'ls -la /var/run/docker.sock /run/docker.sock; find / -name "*.sock" 2>/dev/null; grep CapEff /proc/self/status',
    );
    expect(result.stdout).not.toContain('docker.sock');
    expect(result.stdout).toMatch(/CapEff:\s+0000000000000000/);
  });

  it('exposes no host environment or secrets', async () => {
    process.env.PARLEY_TEST_SECRET = 'sk-must-not-leak-12345';
    const result = await sh('env; cat /proc/1/environ | tr "\\0" "\\n"');
    delete process.env.PARLEY_TEST_SECRET;
    expect(result.stdout).not.toContain('sk-must-not-leak');
    const names = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=')[0]);
    for (const name of names)
      expect([
        'PATH',
        'HOME',
        'LANG',
        'PYTHONDONTWRITEBYTECODE',
        'HOSTNAME',
        'SHLVL',
        'PWD',
      ]).toContain(name);
  });

  it('holds a fork bomb with the pids limit and kills it at the timeout', async () => {
    const result = await sh('(bomb() { bomb | bomb & }; bomb) & while :; do :; done', {
      timeoutMs: 3000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
  });

  it('reports a memory bomb as killed for memory', async () => {
    const result = await sh('awk \'BEGIN { s = "0123456789abcdef"; while (1) s = s s }\'');
    expect(result.exitCode).toBe(137);
    expect(result.oomKilled).toBe(true);
    expect(diagnose(result)?.kind).toBe('out-of-memory');
  });

  it('truncates 200 MB of output without growing Parley’s memory', async () => {
    await sh('head -c 1000000 /dev/zero'); // warm up streams and buffers
    const before = process.memoryUsage().rss;
    const result = await sh(
      'head -c 1048576 /dev/zero | tr "\\0" a > /tmp/a; set --; for i in $(seq 200); do set -- "$@" /tmp/a; done; cat "$@"; echo done >&2',
      { timeoutMs: 20_000 },
    );
    const growth = process.memoryUsage().rss - before;
    expect(result.stdoutBytes).toBe(209_715_200);
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stdout).toMatch(/^a{10000}\n…\[output truncated/);
    expect(result.stderr).toBe('done\n');
    // What the allocator keeps after streaming is a fixed amount (≈ 20 MB on Node 20,
    // ≈ 75 MB on Node 24, the same for 100 or 300 MB of output); a copy of the output
    // would be 200 MB.
    expect(growth).toBeLessThan(100 * 1024 * 1024);
  });

  it('kills and removes a command that sleeps past the timeout', async () => {
    const started = Date.now();
    const result = await sh('sleep 60', { timeoutMs: 1000 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(diagnose(result)?.kind).toBe('timed-out');
  });

  it('kills the container when the call is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const result = await sh('sleep 60', { signal: controller.signal });
    expect(result.aborted).toBe(true);
  });

  it('reports a full /tmp as disk full', async () => {
    const small = new DockerSandbox(testSandboxConfig({ tmpfsMb: 1 }));
    const result = await small.run({
      cmd: ['sh', '-c', 'cat /dev/zero > /tmp/big'],
      workspace,
    });
    expect(diagnose(result)?.kind).toBe('disk-full');
  });

  it('queues calls beyond the concurrency limit', async () => {
    const limited = new DockerSandbox(testSandboxConfig({ concurrency: 2 }));
    let peakListed = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        const running = await limited.docker.listContainers({
          filters: { label: [`parley.instance=${limited.owner.instance}`] },
        });
        peakListed = Math.max(peakListed, running.length);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const calls = Array.from({ length: 5 }, () =>
      limited.run({ cmd: ['sh', '-c', 'sleep 1; echo ok'], workspace }),
    );
    expect(limited.limiter.waiting).toBe(3);
    const results = await Promise.all(calls);
    done = true;
    await watch;
    expect(results.every((r) => r.stdout === 'ok\n')).toBe(true);
    expect(limited.limiter.peak).toBe(2);
    expect(peakListed).toBeGreaterThan(0);
    expect(peakListed).toBeLessThanOrEqual(2);
    expect(await labelledContainers(limited.owner.instance)).toEqual([]);
  });
});
