/**
 * Builds the SDK transport for one configured MCP server: a stdio child process with
 * an explicit minimal environment (see environment.ts; never Parley's whole
 * environment), or a Streamable HTTP client with its headers filled in. The values
 * taken from the environment are added to the redactor before anything can print
 * them; a variable named in the config but unset fails the connection with its name.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { SandboxConfig } from '../../sandbox/config.js';
import type { Redactor } from '../redact.js';
import {
  isStdio,
  type McpSandboxConfig,
  type McpServerConfig,
  type StdioServerConfig,
} from './config.js';
import { ContainerStdioTransport, mcpContainerSpec } from './container-transport.js';
import { type Environment, httpHeaders, type Resolved, stdioEnvironment } from './environment.js';

export interface TransportDeps {
  environment: Environment;
  redactor: Redactor;
  /** Receives the stdio server's stderr, a chunk at a time (already redacted). */
  onStderr: (text: string) => void;
  /** The sandbox settings, for servers run in a container (`sandbox:` on the server). */
  sandbox?: SandboxConfig;
}

export function createTransport(
  name: string,
  server: McpServerConfig,
  deps: TransportDeps,
): Transport {
  if (isStdio(server) && server.sandbox)
    return containerTransport(name, server, server.sandbox, deps);
  if (isStdio(server)) {
    const env = checked(name, 'env', stdioEnvironment(server, deps.environment), deps.redactor);
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      env,
      ...(server.cwd ? { cwd: server.cwd } : {}),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) =>
      deps.onStderr(deps.redactor.redact(chunk.toString())),
    );
    return transport;
  }
  const headers = checked(name, 'headers', httpHeaders(server, deps.environment), deps.redactor);
  return new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
}

/** The server in a sandbox container: only the variables its `env` names, no PATH/HOME of ours. */
function containerTransport(
  name: string,
  server: StdioServerConfig,
  sandbox: McpSandboxConfig,
  deps: TransportDeps,
): Transport {
  if (!deps.sandbox)
    throw new Error(`mcp.servers.${name}.sandbox needs the sandbox settings (sandbox.*)`);
  const resolved = checked(name, 'env', stdioEnvironment(server, deps.environment), deps.redactor);
  const names = Array.isArray(server.env) ? server.env : Object.keys(server.env);
  const env = Object.fromEntries(names.map((key) => [key, resolved[key] ?? '']));
  const spec = mcpContainerSpec(
    { name, command: server.command, args: server.args, env, sandbox },
    deps.sandbox,
  );
  return new ContainerStdioTransport(deps.sandbox.socketPath, spec, (text) =>
    deps.onStderr(deps.redactor.redact(text)),
  );
}

function checked(
  name: string,
  key: string,
  resolved: Resolved<Record<string, string>>,
  redactor: Redactor,
): Record<string, string> {
  redactor.add(...resolved.secrets);
  if (resolved.missing.length)
    throw new Error(
      `environment variable ${resolved.missing.join(', ')} is not set (named in mcp.servers.${name}.${key})`,
    );
  return resolved.value;
}
