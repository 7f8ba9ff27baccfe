import { describe, expect, it } from 'vitest';
import type { SandboxResult } from '../../sandbox/docker-sandbox.js';
import { diagnose } from './diagnose.js';

const base: SandboxResult = {
  exitCode: 1,
  stdout: '',
  stderr: '',
  stdoutTruncated: false,
  stderrTruncated: false,
  stdoutBytes: 0,
  stderrBytes: 0,
  durationMs: 1200,
  timedOut: false,
  oomKilled: false,
  aborted: false,
};

describe('diagnose', () => {
  it.each([
    [{ stderr: 'sh: pip: not found', exitCode: 127 }, 'command-not-found', 'sh: pip: not found'],
    [
      { stderr: 'touch: /etc/x: Read-only file system' },
      'permission-denied',
      'touch: /etc/x: Read-only file system',
    ],
    [
      { stderr: 'x\ncurl: (6) Could not resolve host: pypi.org' },
      'network-disabled',
      'curl: (6) Could not resolve host: pypi.org',
    ],
    [
      { stderr: 'cat: write error: No space left on device' },
      'disk-full',
      'cat: write error: No space left on device',
    ],
    [{ exitCode: 137, oomKilled: true }, 'out-of-memory', 'exit code 137, OOMKilled'],
    [{ exitCode: 137, timedOut: true }, 'timed-out', 'killed after 1.2 s'],
    [
      { stderr: "sh: can't fork: Resource temporarily unavailable" },
      'process-limit',
      "sh: can't fork: Resource temporarily unavailable",
    ],
  ] as const)('%j → %s', (change, kind, evidence) => {
    const diagnosis = diagnose({ ...base, ...change });
    expect(diagnosis?.kind).toBe(kind);
    expect(diagnosis?.evidence).toBe(evidence);
  });

  it('says nothing about a success or an unrecognized failure', () => {
    expect(diagnose({ ...base, exitCode: 0, stderr: 'Permission denied' })).toBeUndefined();
    expect(diagnose({ ...base, stderr: 'assertion failed' })).toBeUndefined();
  });

  it('does not blame the network when the tool has one', () => {
    expect(diagnose({ ...base, stderr: 'Could not resolve host' }, true)).toBeUndefined();
  });
});
