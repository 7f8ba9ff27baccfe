/**
 * What the sandboxed tools share: the DockerSandbox that runs them, where the
 * per-conversation workspaces live, and the redactor applied to their output.
 */
import type { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { workspaceFor } from '../../sessions/workspace.js';
import type { Redactor } from '../redact.js';

export interface SandboxToolDeps {
  sandbox: DockerSandbox;
  dataDir: string;
  redactor: Redactor;
}

/** The host folder of a conversation, ready for the container user. */
export function workspaceOf(deps: SandboxToolDeps, conversationKey: string): string {
  const dir = workspaceFor(deps.dataDir, conversationKey);
  deps.sandbox.prepareWorkspace(dir);
  return dir;
}

/** Whether containers of `tool` get a network (`sandbox.networkTools`). */
export function hasNetwork(deps: SandboxToolDeps, tool: string): boolean {
  return deps.sandbox.config.networkTools.includes(tool);
}
