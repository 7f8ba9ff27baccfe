/**
 * Which tools the agent gets. Built-ins are harmless; `fetch_url` reads web pages
 * behind an SSRF guard; `web_search` asks the configured SearXNG instance; MCP servers add their tools as they connect; dangerous tools
 * (shell, code, files) come from the sandbox and run only in Docker workers
 * (tools/sandbox): Docker and the image are checked here at startup, the tools are
 * disabled with a clear reason when either is missing, and the periodic orphan
 * cleanup is started (stopped through `onStop`).
 */

import type { DockerSandbox } from '../sandbox/docker-sandbox.js';
import { getTimeTool } from '../tools/builtin/get-time.js';
import type { McpConfig } from '../tools/mcp/config.js';
import type { McpManager } from '../tools/mcp/manager.js';
import type { SandboxSetup } from '../tools/sandbox/index.js';
import type { FetchUrlConfig } from '../tools/web/config.js';
import { fetchUrlTool } from '../tools/web/fetch-url.js';
import { webSearchTool } from '../tools/web/search.js';
import type { WebSearchConfig } from '../tools/web/search-config.js';

export interface ToolSetup extends SandboxSetup {
  config: SandboxSetup['config'] & {
    fetchUrl: FetchUrlConfig;
    webSearch: WebSearchConfig;
    mcp: McpConfig;
  };
  /** Where MCP servers' named variables are read from (the process environment). */
  environment: Record<string, string | undefined>;
}

export interface RegisteredTools {
  /** Undefined when no MCP server is configured. */
  mcp: McpManager | undefined;
  /** Undefined when `sandbox.enabled` is false. */
  sandbox: DockerSandbox | undefined;
}

/** Registers the tools; returns the MCP manager and the sandbox for the capabilities using them. */
export async function registerTools(setup: ToolSetup): Promise<RegisteredTools> {
  setup.tools.register(getTimeTool);
  if (setup.config.fetchUrl.enabled) setup.tools.register(fetchUrlTool(setup.config.fetchUrl));
  const { webSearch } = setup.config;
  if (webSearch.url) setup.tools.register(webSearchTool({ ...webSearch, url: webSearch.url }));
  const mcp =
    Object.keys(setup.config.mcp.servers).length > 0 ? await registerMcp(setup) : undefined;
  if (!setup.config.sandbox.enabled) return { mcp, sandbox: undefined };
  // Loaded only when wanted: dockerode and its transports weigh ~25 MB and ~0.3 s.
  const { registerSandboxTools } = await import('../tools/sandbox/index.js');
  return { mcp, sandbox: await registerSandboxTools(setup) };
}

/**
 * MCP servers connect in the background; their tools appear as each one answers.
 * The SDK is loaded only when a server is configured.
 */
async function registerMcp(setup: ToolSetup): Promise<McpManager> {
  const { McpManager } = await import('../tools/mcp/manager.js');
  const { tools, redactor, log } = setup;
  const mcp = new McpManager(setup.config.mcp, {
    tools,
    redactor,
    log,
    environment: setup.environment,
    sandbox: setup.config.sandbox,
  });
  mcp.start();
  setup.onStop(() => mcp.close());
  return mcp;
}
