/**
 * Parley killed with SIGKILL in the middle of a sandbox call leaves its container
 * running; the next start's cleanup removes it (the owner pid is dead).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../test/wait.js';
import { DockerSandbox } from './docker-sandbox.js';
import { dockerSkipReason, labelledContainers, testSandboxConfig } from './testing.js';

const skip = await dockerSkipReason();
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

describe.skipIf(skip)('orphan cleanup after a crash', () => {
  it('removes the container of a SIGKILLed Parley at the next start', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(proc.stdout, 'data')) as [Buffer];
    const { instance } = JSON.parse(line.toString()) as { instance: string };
    await until(async () => (await labelledContainers(instance)).length === 1, 20_000, {
      intervalMs: 100,
    });
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    expect(await labelledContainers(instance)).toHaveLength(1); // left behind

    const next = new DockerSandbox(testSandboxConfig());
    expect(await next.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await labelledContainers(instance)).toEqual([]);
  });
});
