/**
 * The tools of the test MCP servers (stdio and HTTP doubles): echo, add, a tool
 * that returns an error result, a slow tool (for timeouts), one that lists its own
 * environment's variable names (proves what a stdio server inherits), one that
 * reports where it runs (uid, network interfaces, writable root), and one that
 * adds a tool at runtime (the SDK then sends `notifications/tools/list_changed`).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export function createDoubleServer(McpServerClass: typeof McpServer): McpServer {
  const server = new McpServerClass({ name: 'parley-double', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool('fail', { description: 'Always fails' }, async () => ({
    content: [{ type: 'text', text: 'the disk is on fire' }],
    isError: true,
  }));
  server.registerTool(
    'slow',
    { description: 'Answers after ms milliseconds', inputSchema: { ms: z.number() } },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: `slept ${ms}` }] };
    },
  );
  server.registerTool(
    'env_keys',
    { description: 'Names of its environment variables' },
    async () => ({
      content: [{ type: 'text', text: JSON.stringify(Object.keys(process.env).sort()) }],
    }),
  );
  server.registerTool(
    'whereami',
    { description: 'Its uid, network interfaces and whether / is writable' },
    async () => {
      const { networkInterfaces } = await import('node:os');
      const { writeFile } = await import('node:fs/promises');
      const rootWritable = await writeFile('/parley-probe', 'x').then(
        () => true,
        () => false,
      );
      const where = {
        uid: process.getuid?.(),
        interfaces: Object.keys(networkInterfaces()).sort(),
        rootWritable,
      };
      return { content: [{ type: 'text', text: JSON.stringify(where) }] };
    },
  );
  server.registerTool(
    'add_tool',
    { description: 'Adds a tool named name', inputSchema: { name: z.string() } },
    async ({ name }) => {
      server.registerTool(name, { description: `Added at runtime: ${name}` }, async () => ({
        content: [{ type: 'text', text: `${name} ran` }],
      }));
      return { content: [{ type: 'text', text: `added ${name}` }] };
    },
  );
  return server;
}
