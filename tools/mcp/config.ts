/**
 * Config section `mcp`: the MCP servers whose tools the agent may use. Each server is
 * either a program Parley starts (stdio: `command`, `args`, `cwd`) or a Streamable
 * HTTP endpoint (`url`, `headers`). Secrets never sit in this file: a stdio server
 * gets only the environment variables named in `env` (values taken from Parley's own
 * environment when the server starts), and a header value may name variables as
 * `${NAME}` (e.g. `Authorization: "Bearer ${GITHUB_TOKEN}"`). Every resolved value is
 * added to the redactor.
 *
 * @example
 * ```yaml
 * mcp:
 *   servers:
 *     files:
 *       command: npx
 *       args: [-y, '@modelcontextprotocol/server-filesystem', /srv/notes]
 *       env: [NOTES_TOKEN]          # passed through; nothing else of Parley's env is
 *       tools: { read_file: auto }  # per-tool policy; the rest use `policy` (ask)
 *     tracker:
 *       url: https://mcp.example.com/mcp
 *       headers: { Authorization: 'Bearer ${TRACKER_TOKEN}' }
 *       policy: ask
 * ```
 */
import { z } from 'zod';

const policy = z.enum(['auto', 'ask', 'deny']);

/** Names of environment variables, as a shell would accept them. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

const common = {
  enabled: z.boolean().default(true).describe('Connect to this server and offer its tools.'),
  policy: policy
    .default('ask')
    .describe(
      'Policy of every tool of this server (auto / ask / deny) unless `tools` overrides it.',
    ),
  tools: z
    .record(z.string(), policy)
    .default({})
    .describe("Per-tool policy by the tool's MCP name, e.g. { search: auto, delete_file: deny }."),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Time one tool call may take before it is cancelled and reported to the model.'),
  connectTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(15_000)
    .describe('Time starting the server and the MCP handshake (and one tool listing) may take.'),
  maxOutputChars: z
    .number()
    .int()
    .min(100)
    .default(20_000)
    .describe('A tool result handed to the model is cut at this many characters (with a marker).'),
};

export const mcpSandboxSchema = z
  .object({
    image: z
      .string()
      .optional()
      .describe('Image holding the server program (default: sandbox.image).'),
    network: z
      .string()
      .default('none')
      .describe(
        'Docker network of the container: none (default), bridge, host or a named network.',
      ),
    memoryMb: z.number().int().min(16).default(256).describe('Memory limit of the container.'),
    cpus: z.number().min(0.1).default(1).describe('CPU limit of the container.'),
    pidsLimit: z.number().int().min(8).default(128).describe('Process limit of the container.'),
  })
  .strict();

export const stdioServerSchema = z
  .object({
    command: z.string().min(1).describe('Program to start, e.g. npx or /usr/local/bin/my-mcp.'),
    args: z.array(z.string()).default([]).describe('Its arguments.'),
    cwd: z
      .string()
      .optional()
      .describe("Working directory (default: Parley's; /tmp in a container)."),
    sandbox: mcpSandboxSchema
      .optional()
      .describe(
        'Run the server in a long-lived sandbox container (the command and args inside the image) instead of on the host.',
      ),
    env: z
      .union([z.array(envName), z.record(envName, z.string())])
      .default([])
      .describe(
        "Environment of the server besides PATH, HOME and LANG: a list of variable names passed through from Parley's environment (secret), or a map NAME: value where value may use ${VAR}.",
      ),
    ...common,
  })
  .strict();

export const httpServerSchema = z
  .object({
    url: z.string().url().describe('Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Request headers; values may name environment variables as ${NAME} (secret), e.g. "Bearer ${TOKEN}".',
      ),
    ...common,
  })
  .strict();

export const mcpServerSchema = z.union([stdioServerSchema, httpServerSchema]);

/** Server names become tool prefixes (`<server>__<tool>`), so they are short and plain. */
const serverName = z
  .string()
  .regex(/^[a-zA-Z0-9-]{1,24}$/, 'expected 1–24 letters, digits or "-" (the tool name prefix)');

export const mcpSchema = z
  .object({
    servers: z
      .record(serverName, mcpServerSchema)
      .default({})
      .describe('MCP servers by name; their tools are offered as <name>__<tool>.'),
  })
  .strict()
  .prefault({});

export type McpConfig = z.infer<typeof mcpSchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type StdioServerConfig = z.infer<typeof stdioServerSchema>;
export type HttpServerConfig = z.infer<typeof httpServerSchema>;
export type McpSandboxConfig = z.infer<typeof mcpSandboxSchema>;

export function isStdio(server: McpServerConfig): server is StdioServerConfig {
  return 'command' in server;
}
