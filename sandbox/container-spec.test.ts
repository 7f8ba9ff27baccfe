/**
 * The container spec without Docker: seccomp profile choice, optional runtime,
 * ulimits (fsize from the quota, nofile, nproc) and the deadline wrapper.
 */
import { describe, expect, it } from 'vitest';
import { containerSpec, NOFILE, withDeadline } from './container-spec.js';
import { testSandboxConfig } from './testing.js';

const request = { cmd: ['true'], workspace: '/tmp/ws', fileSizeLimit: 1234 };

describe('container spec', () => {
  it("uses Parley's seccomp profile by default, the engine's on request", () => {
    const spec = containerSpec(testSandboxConfig(), request, {});
    const opt = spec.HostConfig!.SecurityOpt!.find((o: string) => o.startsWith('seccomp='))!;
    expect(opt).toContain('io_uring_setup');
    const docker = containerSpec(testSandboxConfig({ seccompProfile: 'docker' }), request, {});
    expect(docker.HostConfig!.SecurityOpt).toEqual(['no-new-privileges']);
  });

  it('passes sandbox.runtime to Docker only when set', () => {
    expect(containerSpec(testSandboxConfig(), request, {}).HostConfig!.Runtime).toBeUndefined();
    const gvisor = containerSpec(testSandboxConfig({ runtime: 'runsc' }), request, {});
    expect(gvisor.HostConfig!.Runtime).toBe('runsc');
  });

  it('limits file size to the room left and open files', () => {
    const limits = containerSpec(testSandboxConfig(), request, {}).HostConfig!.Ulimits!;
    expect(limits).toContainEqual({ Name: 'fsize', Soft: 1234, Hard: 1234 });
    expect(limits).toContainEqual({ Name: 'nofile', Soft: NOFILE, Hard: NOFILE });
  });

  it('puts the command behind timeout with a whole number of seconds', () => {
    expect(withDeadline(['sh', '-c', 'x'], 10.2)).toEqual([
      'timeout',
      '-s',
      'KILL',
      '11',
      'sh',
      '-c',
      'x',
    ]);
  });
});
