/**
 * A real MCP server over Streamable HTTP, built with the SDK, on 127.0.0.1 (port 0)
 * for tests: one McpServer and transport per session, as the SDK's stateful example
 * does. `close()` stops it (the client then sees the server as down).
 *
 * @example
 * ```ts
 * const server = await startMcpHttpDouble()
 * // config: mcp.servers.web = { url: server.url }
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createDoubleServer } from './tools.js';

export interface McpHttpDouble {
  url: string;
  /** Headers of every request received. */
  headers: IncomingMessage['headers'][];
  close(): Promise<void>;
}

export async function startMcpHttpDouble(port = 0): Promise<McpHttpDouble> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const headers: IncomingMessage['headers'][] = [];
  const http = createServer((req, res) => {
    headers.push(req.headers);
    void handle(sessions, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    headers,
    close: async () => {
      for (const transport of sessions.values()) await transport.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function handle(
  sessions: Map<string, StreamableHTTPServerTransport>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const id = req.headers['mcp-session-id'];
  const existing = typeof id === 'string' ? sessions.get(id) : undefined;
  if (existing) return existing.handleRequest(req, res);
  if (req.method !== 'POST') {
    res.writeHead(400).end();
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await createDoubleServer(McpServer).connect(transport);
  await transport.handleRequest(req, res);
}
