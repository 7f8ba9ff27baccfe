/**
 * What the sandboxed tools share: the DockerSandbox that runs them, where the
 * per-conversation workspaces live, and the redactor applied to their output.
 */
import { z } from 'zod';
import type { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { openWorkspace, type Workspace, workspaceFor } from '../../sessions/workspace/index.js';
import type { Redactor } from '../redact.js';
import type { ToolContext, ToolResult } from '../registry.js';
import { toolResult } from './result.js';

export interface SandboxToolDeps {
  sandbox: DockerSandbox;
  dataDir: string;
  redactor: Redactor;
}

/** The host-side workspace of a conversation, handed to the container user. */
export async function workspaceOf(
  deps: SandboxToolDeps,
  conversationKey: string,
): Promise<Workspace> {
  const workspace = openWorkspace(deps.dataDir, conversationKey);
  await deps.sandbox.prepareWorkspace(workspace.root);
  return workspace;
}

/** Whether containers of `tool` get a network (`sandbox.networkTools`). */
export function hasNetwork(deps: SandboxToolDeps, tool: string): boolean {
  return deps.sandbox.config.networkTools.includes(tool);
}

/** The optional `timeoutSeconds` argument of a command tool, capped by the sandbox's limit. */
export function timeoutArg(maxSeconds: number) {
  return z
    .number()
    .positive()
    .max(maxSeconds)
    .optional()
    .describe(`Time limit in seconds (default and maximum ${maxSeconds})`);
}

/** Runs `cmd` for `tool` in a fresh container on the conversation's workspace; output redacted. */
export async function runInSandbox(
  deps: SandboxToolDeps,
  tool: string,
  cmd: string[],
  timeoutSeconds: number | undefined,
  context: ToolContext,
): Promise<ToolResult> {
  const network = hasNetwork(deps, tool);
  const result = await deps.sandbox.run({
    cmd,
    workspace: workspaceFor(deps.dataDir, context.conversationKey), // run() prepares it
    network,
    timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : undefined,
    signal: context.signal,
  });
  return toolResult(result, deps.redactor, network);
}
