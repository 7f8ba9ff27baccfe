/**
 * All configured MCP servers of one Parley: `start()` begins connecting each enabled
 * server in the background and returns at once (Parley's readiness never waits for an
 * MCP server; `ready` settles once every server had its first try), `status()` lists
 * where each server stands (for the admin page and `parley doctor`), `note()` is a
 * line for the model naming the servers that are down, `close()` stops them all.
 *
 * @example
 * ```ts
 * const mcp = new McpManager(config.mcp, { tools, environment: process.env, redactor, log })
 * mcp.start()           // in the background
 * onStop(() => mcp.close())
 * ```
 */
import { isStdio, type McpConfig } from './config.js';
import { type ConnectionDeps, McpConnection, type McpServerStatus } from './connection.js';

export class McpManager {
  private readonly connections: McpConnection[] = [];
  private readonly disabled: { name: string; transport: 'stdio' | 'http' }[] = [];
  /** Settles once every enabled server had its first connection attempt. */
  ready: Promise<void> = Promise.resolve();

  constructor(config: McpConfig, deps: ConnectionDeps) {
    for (const [name, server] of Object.entries(config.servers)) {
      if (server.enabled) this.connections.push(new McpConnection(name, server, deps));
      else this.disabled.push({ name, transport: isStdio(server) ? 'stdio' : 'http' });
    }
  }

  /** Starts connecting every server; does not wait for them. */
  start(): void {
    this.ready = Promise.all(this.connections.map((c) => c.start())).then(() => {});
  }

  status(): McpServerStatus[] {
    const disabled = this.disabled.map(({ name, transport }) => ({
      name,
      transport,
      state: 'disabled' as const,
      tools: [],
      failures: 0,
      since: new Date(0).toISOString(),
    }));
    return [...this.connections.map((c) => c.status()), ...disabled];
  }

  /** For the system prompt: which servers' tools are missing now and why; undefined if none. */
  note(): string | undefined {
    const down = this.connections.map((c) => c.status()).filter((s) => s.state === 'down');
    if (down.length === 0) return undefined;
    const names = down.map((s) => `"${s.name}" (${s.error ?? 'not connected'})`).join(', ');
    return `These MCP servers are unavailable, so their tools are not offered right now: ${names}.`;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}
