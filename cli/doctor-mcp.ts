/**
 * `parley doctor`'s MCP check: connects to every configured MCP server once (the same
 * McpManager `parley start` uses, on a throwaway tool registry), waits for each first
 * attempt, and reports the server's state, its tools or why it is down, with a fix.
 * A server that is down is a warning, not a failure: Parley runs without its tools.
 */
import pino from 'pino';
import type { SandboxConfig } from '../sandbox/config.js';
import type { McpConfig } from '../tools/mcp/config.js';
import type { McpServerStatus } from '../tools/mcp/connection.js';
import type { Environment } from '../tools/mcp/environment.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';

export interface McpCheck {
  name: string;
  status: 'ok' | 'warn' | 'skip';
  detail: string;
  fix?: string;
}

/** One result per configured server (a skip when none is configured). */
export async function checkMcpServers(
  config: McpConfig,
  environment: Environment,
  redactor: Redactor = new Redactor([]),
  sandbox?: SandboxConfig,
): Promise<McpCheck[]> {
  if (Object.keys(config.servers).length === 0)
    return [{ name: 'mcp', status: 'skip', detail: 'no MCP servers configured' }];
  const { McpManager } = await import('../tools/mcp/manager.js');
  const manager = new McpManager(config, {
    tools: new ToolRegistry(),
    environment,
    redactor,
    log: pino({ level: 'silent' }),
    ...(sandbox ? { sandbox } : {}),
  });
  manager.start();
  try {
    await manager.ready;
    return manager.status().map(describe);
  } finally {
    await manager.close();
  }
}

function describe(server: McpServerStatus): McpCheck {
  const name = `mcp ${server.name}`;
  if (server.state === 'connected')
    return {
      name,
      status: 'ok',
      detail: `${server.transport} server answers; tools: ${server.tools.join(', ') || 'none'}`,
    };
  if (server.state === 'disabled')
    return { name, status: 'skip', detail: `mcp.servers.${server.name}.enabled is false` };
  return {
    name,
    status: 'warn',
    detail: `${server.transport} server is ${server.state}: ${server.error ?? 'no answer'}`,
    fix:
      server.transport === 'stdio'
        ? `Check mcp.servers.${server.name}.command and args (run them by hand), and that the variables named in env are set.`
        : `Check mcp.servers.${server.name}.url and headers, and that the server is reachable from here.`,
  };
}
