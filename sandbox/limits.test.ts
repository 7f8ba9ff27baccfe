/**
 * Quotas, the deadline inside the container and the seccomp profile, against a
 * real Docker engine: a file may not outgrow the workspace quota, too many files
 * are reported as "workspace full", a container ends itself at its deadline even
 * without Parley, and every container runs under Parley's profile without io_uring.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnose } from '../tools/sandbox/diagnose.js';
import { containerSpec, withDeadline } from './container-spec.js';
import { DockerSandbox } from './docker-sandbox.js';
import { containerLabels } from './orphans.js';
import { detectLanguages } from './probe.js';
import { dockerSkipReason, labelledContainers, testSandboxConfig } from './testing.js';

const skip = await dockerSkipReason();

describe.skipIf(skip)('sandbox limits', () => {
  const sandbox = new DockerSandbox(
    testSandboxConfig({ workspaceMaxMb: 2, workspaceMaxFiles: 50 }),
  );
  const fresh = () => mkdtempSync(join(tmpdir(), 'parley-quota-'));
  const sh = (workspace: string, command: string) =>
    sandbox.run({ cmd: ['sh', '-c', command], workspace });

  afterEach(async () => {
    expect(await labelledContainers(sandbox.owner.instance)).toEqual([]);
  });

  it('stops a file at the room left in the workspace and says "workspace full"', async () => {
    const workspace = fresh();
    const result = await sh(
      workspace,
      'dd if=/dev/zero of=big bs=1M count=5; s=$?; ls -l big; exit $s',
    );
    expect(result.stdout).toMatch(/ 2097152 .*big/); // cut at 2 MB
    expect(result.stderr).toMatch(/File size limit exceeded/);
    const diagnosis = diagnose(result);
    expect(diagnosis?.kind).toBe('workspace-full');
    expect(diagnosis?.summary).toMatch(/workspace full/);
    const next = await sh(workspace, 'echo more >> other; rm big; echo removed');
    expect(next.stdout).toContain('removed'); // a full workspace can still be cleaned
  });

  it('reports too many files as "workspace full", and write_file then refuses', async () => {
    const workspace = fresh();
    const result = await sh(workspace, 'for i in $(seq 80); do : > f$i; done; echo made');
    expect(result.stdout).toBe('made\n');
    expect(result.workspaceFull).toMatch(/workspace full: more than 50 files/);
    expect(diagnose(result)?.kind).toBe('workspace-full');
    await expect(sandbox.quota.ensureRoom(workspace, 1)).rejects.toThrow(/workspace full/);
  });

  it('runs the command behind timeout, so a container ends itself at its deadline', async () => {
    await detectLanguages(sandbox);
    expect(sandbox.deadlineInside).toBe(true);
    const workspace = fresh();
    const result = await sh(workspace, 'cat /proc/[0-9]*/cmdline | tr "\\0" " "');
    expect(result.stdout).toMatch(/timeout -s KILL 12 sh -c/);
    // Without Parley: a container created with the same spec and nobody watching it.
    const docker = new Docker();
    const spec = containerSpec(
      sandbox.config,
      { cmd: withDeadline(['sleep', '60'], 1), workspace, deadline: true },
      containerLabels(sandbox.owner, Date.now() + 60_000),
    );
    const container = await docker.createContainer(spec);
    try {
      await container.start();
      const exit = (await container.wait()) as { StatusCode: number };
      expect(exit.StatusCode).toBe(137);
    } finally {
      await container.remove({ force: true });
    }
  });

  it("applies Parley's seccomp profile (no io_uring) to every container", async () => {
    const workspace = fresh();
    const running = sh(workspace, 'sleep 4');
    let securityOpt: string[] = [];
    try {
      for (let i = 0; i < 50 && securityOpt.length === 0; i++) {
        // A listed container may already be on its way out (404): look at the next one.
        for (const id of await labelledContainers(sandbox.owner.instance)) {
          const info = await new Docker()
            .getContainer(id)
            .inspect()
            .catch(() => undefined);
          if (info?.HostConfig.SecurityOpt?.length) securityOpt = info.HostConfig.SecurityOpt;
        }
        if (securityOpt.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await running;
    }
    const seccomp = securityOpt.find((opt) => opt.startsWith('seccomp='));
    expect(seccomp).toBeDefined();
    const profile = JSON.parse(seccomp!.slice('seccomp='.length));
    const denied = profile.syscalls.flatMap((rule: { names: string[] }) => rule.names);
    expect(denied).toEqual(
      expect.arrayContaining(['io_uring_setup', 'io_uring_enter', 'io_uring_register']),
    );
    const unshare = await sh(workspace, 'unshare -U true');
    expect(unshare.stderr).toMatch(/Operation not permitted/);
  });
});
