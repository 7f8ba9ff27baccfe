/**
 * The warm pool: the second call in a workspace runs on a pre-started container,
 * with the same results (argv quoting, stderr, exit code, timeout) and the same
 * cleanup (each container used once; idle ones removed on close and on expiry).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerSandbox } from './docker-sandbox.js';
import { dockerSkipReason, labelledContainers, testSandboxConfig } from './testing.js';
import { execLine } from './warm-pool.js';

const skip = await dockerSkipReason();

describe('execLine', () => {
  it('quotes every argument for sh', () => {
    expect(execLine(['sh', '-c', 'echo \'it\' "$HOME"'])).toBe(
      `exec 'sh' '-c' 'echo '\\''it'\\'' "$HOME"'\n`,
    );
  });
});

describe.skipIf(skip)('warm pool', () => {
  it('runs later calls on pre-started containers, each used once', async () => {
    const sandbox = new DockerSandbox(testSandboxConfig({ warmPool: true, warmIdleSeconds: 30 }));
    const workspace = mkdtempSync(join(tmpdir(), 'parley-warm-'));
    const run = (command: string, timeoutMs?: number) =>
      sandbox.run({ cmd: ['sh', '-c', command], workspace, timeoutMs });
    try {
      expect((await run('echo cold')).stdout).toBe('cold\n');
      expect(sandbox.pool!.size).toBe(1);
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const result = await run(
          `echo "it's $((i=${i}+1))"; tr "\\0" " " < /proc/1/cmdline; echo; hostname; echo e >&2; exit 3`,
        );
        expect(result.stdout).toMatch(new RegExp(`^it's ${i + 1}\\nsh -c `));
        expect(result.stderr).toBe('e\n');
        expect(result.exitCode).toBe(3);
        seen.add(result.stdout.split('\n')[2]!);
      }
      expect(seen.size).toBe(3); // three different containers
      const slow = await run('sleep 30', 700);
      expect(slow.timedOut).toBe(true);
      expect(sandbox.pool!.size).toBe(1); // the next idle one, starting
    } finally {
      await sandbox.close();
    }
    expect(await labelledContainers(sandbox.owner.instance)).toEqual([]);
  });
});
