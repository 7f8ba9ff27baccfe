/**
 * `shell`: runs a shell command (`sh -c`) in a fresh sandbox container with the
 * conversation's workspace at /workspace. Returns exit code, stdout, stderr,
 * duration, truncation flags and a diagnosis on failure. Policy `ask` by default.
 */
import { z } from 'zod';
import { defineTool } from '../registry.js';
import { hasNetwork, type SandboxToolDeps, workspaceOf } from './deps.js';
import { toolResult } from './result.js';

export function shellTool(deps: SandboxToolDeps) {
  const maxSeconds = deps.sandbox.config.timeoutSeconds;
  return defineTool({
    name: 'shell',
    description: `Runs a shell command (sh -c) in an isolated, disposable Linux container. The working directory /workspace holds this conversation's files and persists between calls; everything else is read-only and discarded, /tmp is scratch space. No network access unless configured. Time limit ${maxSeconds} s.`,
    policy: 'ask',
    sandboxed: true,
    schema: z.object({
      command: z.string().min(1).max(100_000).describe('The command line, run with sh -c'),
      timeoutSeconds: z
        .number()
        .positive()
        .max(maxSeconds)
        .optional()
        .describe(`Time limit in seconds (default and maximum ${maxSeconds})`),
    }),
    async run({ command, timeoutSeconds }, context) {
      const network = hasNetwork(deps, 'shell');
      const result = await deps.sandbox.run({
        cmd: ['sh', '-c', command],
        workspace: workspaceOf(deps, context.conversationKey),
        network,
        timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : undefined,
        signal: context.signal,
      });
      return toolResult(result, deps.redactor, network);
    },
  });
}
