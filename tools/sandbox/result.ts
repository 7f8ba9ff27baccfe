/**
 * Turns a SandboxResult into the tool result the model reads: exit code, stdout,
 * stderr (each already capped, with a marker), duration, truncation flags and, on
 * failure, a diagnosis with its evidence line. Secrets are redacted here, before
 * the text reaches the model, the chat or the logs.
 */
import type { SandboxResult } from '../../sandbox/docker-sandbox.js';
import type { Redactor } from '../redact.js';
import type { ToolResult } from '../registry.js';
import { diagnose } from './diagnose.js';

export function toolResult(
  result: SandboxResult,
  redactor: Redactor,
  networkEnabled: boolean,
): ToolResult {
  const diagnosis = diagnose(result, networkEnabled);
  const body = {
    exitCode: result.exitCode,
    stdout: redactor.redact(result.stdout),
    stderr: redactor.redact(result.stderr),
    durationMs: result.durationMs,
    stdoutTruncated: result.stdoutTruncated,
    stderrTruncated: result.stderrTruncated,
    timedOut: result.timedOut,
    ...(diagnosis
      ? { diagnosis: `${diagnosis.summary} (evidence: ${redactor.redact(diagnosis.evidence)})` }
      : {}),
  };
  return {
    content: JSON.stringify(body, null, 1),
    isError: result.exitCode !== 0 || result.timedOut || Boolean(result.workspaceFull),
    details: {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      stdoutBytes: result.stdoutBytes,
      stderrBytes: result.stderrBytes,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      diagnosis: diagnosis?.kind,
    },
  };
}
