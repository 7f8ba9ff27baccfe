/**
 * `run_code`: runs a snippet of code in a fresh sandbox container, in one of the
 * languages the configured image provides (detected at startup: python3, node, sh).
 * Same isolation, limits and result shape as `shell`. Policy `ask` by default.
 */
import { z } from 'zod';
import type { Language } from '../../sandbox/probe.js';
import { defineTool } from '../registry.js';
import { runInSandbox, type SandboxToolDeps, timeoutArg } from './deps.js';

/** The argv that runs `code` in `language`. */
export function codeCommand(language: Language, code: string): string[] {
  switch (language) {
    case 'python':
      return ['python3', '-c', code];
    case 'node':
      return ['node', '-e', code];
    case 'sh':
      return ['sh', '-c', code];
  }
}

export function runCodeTool(deps: SandboxToolDeps, languages: Language[]) {
  const offered = (languages.length ? languages : ['sh']) as [Language, ...Language[]];
  const maxSeconds = deps.sandbox.config.timeoutSeconds;
  return defineTool({
    name: 'run_code',
    description: `Runs code in an isolated, disposable Linux container (languages: ${offered.join(', ')}). The working directory /workspace holds this conversation's files and persists between calls. Print results to stdout. No network access unless configured. Time limit ${maxSeconds} s.`,
    policy: 'ask',
    sandboxed: true,
    schema: z.object({
      language: z.enum(offered).describe('Language of the code'),
      code: z.string().min(1).max(100_000).describe('The program text'),
      timeoutSeconds: timeoutArg(maxSeconds),
    }),
    async run({ language, code, timeoutSeconds }, context) {
      return runInSandbox(deps, 'run_code', codeCommand(language, code), timeoutSeconds, context);
    },
  });
}
