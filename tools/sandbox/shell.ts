/**
 * `shell`: runs a shell command (`sh -c`) in a fresh sandbox container with the
 * conversation's workspace at /workspace. Returns exit code, stdout, stderr,
 * duration, truncation flags and a diagnosis on failure. Policy `ask` by default,
 * refined per command by `sandbox.commands` (command-policy.ts).
 */
import { z } from 'zod';
import { defineTool } from '../registry.js';
import { commandVerdict, parseCommand } from './command-policy.js';
import { runInSandbox, type SandboxToolDeps, timeoutArg } from './deps.js';

export function shellTool(deps: SandboxToolDeps) {
  const maxSeconds = deps.sandbox.config.timeoutSeconds;
  return defineTool({
    name: 'shell',
    description: `Runs a shell command (sh -c) in an isolated, disposable Linux container. The working directory /workspace holds this conversation's files and persists between calls; everything else is read-only and discarded, /tmp is scratch space. No network access unless configured. Time limit ${maxSeconds} s.`,
    policy: 'ask',
    sandboxed: true,
    schema: z.object({
      command: z.string().min(1).max(100_000).describe('The command line, run with sh -c'),
      timeoutSeconds: timeoutArg(maxSeconds),
    }),
    verdict: ({ command }) => commandVerdict(command, deps.sandbox.config.commands),
    async run({ command, timeoutSeconds }, context) {
      if (commandVerdict(command, deps.sandbox.config.commands) === 'deny') {
        const denied = parseCommand(command).programs.filter((program) =>
          deps.sandbox.config.commands.deny.includes(program),
        );
        return {
          content: `refused: the owner's command policy denies ${denied.join(', ')}`,
          isError: true,
        };
      }
      return runInSandbox(deps, 'shell', ['sh', '-c', command], timeoutSeconds, context);
    },
  });
}
