/**
 * A real MCP server on stdio, built with the SDK, for tests and the bench:
 * `node --import tsx test/doubles/mcp/stdio-server.ts`. Its tools are in tools.ts.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createDoubleServer } from './tools.js';

await createDoubleServer(McpServer).connect(new StdioServerTransport());
