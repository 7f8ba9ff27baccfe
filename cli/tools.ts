/**
 * Which tools the agent gets. Built-ins are harmless; dangerous tools (shell, code,
 * files) come from the sandbox and run only in Docker workers (tools/sandbox):
 * Docker and the image are checked here at startup, the tools are disabled with a
 * clear reason when either is missing, and the periodic orphan cleanup is started
 * (stopped through context.onStop).
 */
import { getTimeTool } from '../tools/builtin/get-time.js';
import { McpManager } from '../tools/mcp/manager.js';
import { fetchUrlTool } from '../tools/web/fetch-url.js';
import type { AppContext } from './context.js';

export async function registerTools(context: AppContext): Promise<void> {
  context.tools.register(getTimeTool);
  if (context.config.fetchUrl.enabled)
    context.tools.register(fetchUrlTool(context.config.fetchUrl));
  registerMcp(context);
  if (!context.config.sandbox.enabled) return;
  // Loaded only when wanted: dockerode and its transports weigh ~25 MB and ~0.3 s.
  const { registerSandboxTools } = await import('../tools/sandbox/index.js');
  await registerSandboxTools(context);
}

/** MCP servers connect in the background; their tools appear as each one answers. */
function registerMcp(context: AppContext): McpManager {
  const { tools, redactor, log } = context;
  const mcp = new McpManager(context.config.mcp, {
    tools,
    redactor,
    log,
    environment: process.env,
  });
  mcp.start();
  context.onStop(() => mcp.close());
  return mcp;
}
