/**
 * Which tools the agent gets. Built-ins are harmless; dangerous tools (shell, code,
 * files) come from the sandbox and run only in Docker workers (tools/sandbox):
 * Docker and the image are checked here at startup, the tools are disabled with a
 * clear reason when either is missing, and the periodic orphan cleanup is started
 * (stopped through `onStop`).
 */
import { getTimeTool } from '../tools/builtin/get-time.js';
import type { SandboxSetup } from '../tools/sandbox/index.js';

export async function registerTools(setup: SandboxSetup): Promise<void> {
  setup.tools.register(getTimeTool);
  if (!setup.config.sandbox.enabled) return;
  // Loaded only when wanted: dockerode and its transports weigh ~25 MB and ~0.3 s.
  const { registerSandboxTools } = await import('../tools/sandbox/index.js');
  await registerSandboxTools(setup);
}
