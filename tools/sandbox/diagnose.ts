/**
 * Failure analysis for sandboxed calls: when a command fails, a one-line diagnosis
 * and the output line that proves it go back to the model with the result, so it
 * can fix its next attempt instead of guessing (install nothing, the network is
 * off, the call was killed for time or memory, the disk is full…).
 */
import type { SandboxResult } from '../../sandbox/docker-sandbox.js';

export type FailureKind =
  | 'timed-out'
  | 'out-of-memory'
  | 'disk-full'
  | 'workspace-full'
  | 'network-disabled'
  | 'process-limit'
  | 'permission-denied'
  | 'command-not-found';

export interface Diagnosis {
  kind: FailureKind;
  summary: string;
  /** The output line (or fact) that shows it. */
  evidence: string;
}

interface Rule {
  kind: FailureKind;
  pattern: RegExp;
  summary: string;
  /** Only when the container had no network. */
  offline?: boolean;
}

const RULES: Rule[] = [
  {
    kind: 'workspace-full',
    pattern: /File too large|EFBIG|File size limit exceeded/i,
    summary:
      'workspace full: no file may grow past the room left in the workspace quota; delete files (rm) before writing more',
  },
  {
    kind: 'disk-full',
    pattern: /No space left on device|ENOSPC|Disk quota exceeded/i,
    summary: 'the disk is full (/tmp is a small tmpfs; write to /workspace or write less)',
  },
  {
    kind: 'network-disabled',
    offline: true,
    pattern:
      /Network is unreachable|ENETUNREACH|bad address|Could not resolve|Name or service not known|Temporary failure in name resolution|getaddrinfo|EAI_AGAIN|nodename nor servname|Connection refused|ECONNREFUSED/i,
    summary: 'the sandbox has no network access (downloads and API calls cannot work)',
  },
  {
    kind: 'process-limit',
    pattern: /can't fork|Resource temporarily unavailable|fork: retry|EAGAIN/i,
    summary: 'the process limit was reached (too many processes or threads)',
  },
  {
    kind: 'permission-denied',
    pattern: /Permission denied|EACCES|Read-only file system|EROFS|Operation not permitted|EPERM/i,
    summary:
      'permission denied (the root filesystem is read-only and the user is unprivileged; only /workspace and /tmp are writable)',
  },
  {
    kind: 'command-not-found',
    pattern: /command not found|: not found|No such file or directory|executable file not found/i,
    summary: 'a command or file does not exist in the sandbox image',
  },
];

function clip(line: string): string {
  const trimmed = line.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

/** Why a failed call failed, or undefined when it succeeded or nothing is recognized. */
export function diagnose(result: SandboxResult, networkEnabled = false): Diagnosis | undefined {
  if (result.timedOut)
    return {
      kind: 'timed-out',
      summary: 'the command ran past the time limit and was killed',
      evidence: `killed after ${Math.round(result.durationMs / 100) / 10} s`,
    };
  if (result.workspaceFull)
    return {
      kind: 'workspace-full',
      summary: `${result.workspaceFull} (rm what is not needed; the workspace is kept between calls)`,
      evidence: result.exitCode === 0 ? 'measured after the call' : `exit code ${result.exitCode}`,
    };
  if (result.oomKilled || (result.exitCode === 137 && !result.aborted))
    return {
      kind: 'out-of-memory',
      summary: 'the command was killed for using too much memory',
      evidence: `exit code 137${result.oomKilled ? ', OOMKilled' : ''}`,
    };
  if (result.exitCode === 0) return undefined;
  const lines = `${result.stderr}\n${result.stdout}`.split('\n');
  for (const rule of RULES) {
    if (rule.offline && networkEnabled) continue;
    const line = lines.find((candidate) => rule.pattern.test(candidate));
    if (line) return { kind: rule.kind, summary: rule.summary, evidence: clip(line) };
  }
  if (result.exitCode === 153)
    return {
      kind: 'workspace-full',
      summary: RULES[0]!.summary,
      evidence: 'exit code 153 (SIGXFSZ: file size limit)',
    };
  if (result.exitCode === 127)
    return {
      kind: 'command-not-found',
      summary: 'a command does not exist in the sandbox image',
      evidence: 'exit code 127',
    };
  return undefined;
}
