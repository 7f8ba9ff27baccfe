/**
 * One configured MCP server, kept connected: connects (SDK `Client` over the
 * transport from transport.ts), lists its tools and registers each in the
 * ToolRegistry as `<server>__<tool>` with the server's JSON Schema and policy, lists
 * again on `notifications/tools/list_changed`, and runs calls with a timeout.
 *
 * When the server is down (never came up, its process exited, its HTTP endpoint stopped
 * answering) its tools are *withdrawn*: disabled in the registry, so they are not
 * offered to the model, and a call to one (e.g. named in earlier history) returns
 * `MCP server "x" is unavailable: <reason>`. The connection retries with exponential
 * backoff (reconnect.ts) and enables the tools again once the server answers.
 * `status()` tells the admin page and `doctor` where the server stands.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  McpError,
  type Tool as McpTool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SandboxConfig } from '../../sandbox/config.js';
import type { Redactor } from '../redact.js';
import type { Tool, ToolContext, ToolRegistry, ToolResult } from '../registry.js';
import { isStdio, type McpServerConfig } from './config.js';
import type { Environment } from './environment.js';
import { exposedName } from './names.js';
import { type BackoffOptions, DEFAULT_BACKOFF, Reconnector } from './reconnect.js';
import { type McpCallResult, mapCallResult } from './result.js';
import { createTransport } from './transport.js';

export type ServerState = 'connecting' | 'connected' | 'down' | 'disabled' | 'stopped';

export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  state: ServerState;
  /** Names offered to the model (`<server>__<tool>`). */
  tools: string[];
  /** Why the server is down (redacted). */
  error?: string;
  /** Failed connection attempts in a row. */
  failures: number;
  /** When the state last changed (ISO time). */
  since: string;
  nextRetryAt?: string;
}

export interface ConnectionDeps {
  tools: ToolRegistry;
  /** Sandbox settings for servers with `sandbox:` (run in a container). */
  sandbox?: SandboxConfig;
  environment: Environment;
  redactor: Redactor;
  log: Logger;
  backoff?: BackoffOptions;
}

const CLIENT_INFO = { name: 'parley', version: '0.1.0' };

export class McpConnection {
  private client: Client | undefined;
  private state: ServerState = 'connecting';
  private error: string | undefined;
  private since = Date.now();
  private failures = 0;
  /** Exposed name → MCP tool name, for the tools currently registered. */
  private readonly offered = new Map<string, string>();
  private readonly reconnector: Reconnector;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly deps: ConnectionDeps,
  ) {
    this.reconnector = new Reconnector(() => this.connect(), {
      ...(deps.backoff ?? DEFAULT_BACKOFF),
      onFailure: (error, retryInMs) => this.markDown(error, retryInMs),
    });
  }

  /** First connection attempt; resolves once it succeeded or failed (retries continue). */
  start(): Promise<void> {
    return this.reconnector.run();
  }

  status(): McpServerStatus {
    const next = this.reconnector.nextTryAt;
    return {
      name: this.name,
      transport: isStdio(this.config) ? 'stdio' : 'http',
      state: this.state,
      tools: [...this.offered.keys()],
      ...(this.error ? { error: this.error } : {}),
      failures: this.failures,
      since: new Date(this.since).toISOString(),
      ...(next && this.state === 'down' ? { nextRetryAt: new Date(next).toISOString() } : {}),
    };
  }

  async close(): Promise<void> {
    this.reconnector.stop();
    this.setState('stopped');
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private async connect(): Promise<void> {
    this.setState('connecting');
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await this.refresh(client).catch((error) => this.lost(client, error));
    });
    client.onclose = () => this.lost(client, new Error('connection closed'));
    client.onerror = (error) =>
      this.deps.log.debug({ server: this.name, err: error }, 'MCP transport error');
    try {
      const transport = createTransport(this.name, this.config, {
        ...this.deps,
        onStderr: (text) => this.deps.log.debug({ server: this.name, stderr: text }, 'MCP stderr'),
      });
      await client.connect(transport, { timeout: this.config.connectTimeoutMs });
      this.client = client;
      await this.refresh(client);
    } catch (error) {
      this.client = undefined;
      await client.close().catch(() => {});
      throw error;
    }
    this.failures = 0;
    this.error = undefined;
    this.setState('connected');
    this.deps.log.info({ server: this.name, tools: this.offered.size }, 'MCP server connected');
  }

  /** Lists the server's tools again and brings the registry in line (serialized). */
  private refresh(client: Client): Promise<void> {
    this.refreshing = this.refreshing.catch(() => {}).then(() => this.syncTools(client));
    return this.refreshing;
  }

  private async syncTools(client: Client): Promise<void> {
    const listed = await listAllTools(client, this.config.connectTimeoutMs);
    const next = new Map(listed.map((tool) => [exposedName(this.name, tool.name), tool]));
    for (const name of this.offered.keys()) if (!next.has(name)) this.deps.tools.unregister(name);
    this.offered.clear();
    for (const [exposed, tool] of next) {
      this.deps.tools.register(this.registryTool(exposed, tool));
      this.offered.set(exposed, tool.name);
    }
  }

  private registryTool(exposed: string, tool: McpTool): Tool {
    const { $schema: _, ...parameters } = tool.inputSchema as Record<string, unknown>;
    return {
      name: exposed,
      description: `${tool.description ?? tool.title ?? tool.name} (tool "${tool.name}" of MCP server "${this.name}")`,
      // Arguments are checked by the server against the schema it published.
      schema: z.looseObject({}),
      parameters,
      policy: this.config.tools[tool.name] ?? this.config.policy,
      run: (args, context) => this.call(tool.name, args as Record<string, unknown>, context),
    };
  }

  private async call(
    tool: string,
    args: Record<string, unknown>,
    context: ToolContext,
  ): Promise<ToolResult> {
    const client = this.client;
    if (!client || this.state !== 'connected')
      return { content: this.unavailableNote(), isError: true };
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: this.config.timeoutMs,
        signal: context.signal,
      });
      return mapCallResult(result as McpCallResult, this.config.maxOutputChars);
    } catch (error) {
      if (!(error instanceof McpError) && !context.signal.aborted) this.lost(client, error);
      return { content: this.callError(tool, error), isError: true };
    }
  }

  private callError(tool: string, error: unknown): string {
    const where = `MCP tool "${tool}" of server "${this.name}"`;
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout)
      return `${where} did not answer within ${this.config.timeoutMs} ms; the call was cancelled.`;
    if (error instanceof McpError) return `${where} failed: ${this.redacted(error)}`;
    return `${where} could not be reached: ${this.redacted(error)}. Its tools are withdrawn until it reconnects.`;
  }

  /** The connection broke after it was up: withdraw the tools and reconnect. */
  private lost(client: Client, error: unknown): void {
    if (client !== this.client || this.state === 'stopped') return;
    this.client = undefined;
    void client.close().catch(() => {});
    this.markDown(error, undefined);
    void this.reconnector.run();
  }

  private markDown(error: unknown, retryInMs: number | undefined): void {
    if (this.state === 'stopped') return;
    this.failures++;
    this.error = this.redacted(error);
    this.setState('down');
    const note = this.unavailableNote();
    for (const name of this.offered.keys()) this.deps.tools.disable(name, note);
    const level = this.failures === 1 ? 'warn' : 'debug';
    this.deps.log[level](
      { server: this.name, retryInMs, err: this.error },
      'MCP server unavailable',
    );
  }

  private unavailableNote(): string {
    return `MCP server "${this.name}" is unavailable: ${this.error ?? 'not connected yet'}. Parley keeps trying to reconnect; tell the user its tools cannot be used right now.`;
  }

  private setState(state: ServerState): void {
    if (state === 'connected') for (const name of this.offered.keys()) this.deps.tools.enable(name);
    if (state !== this.state) this.since = Date.now();
    this.state = state;
  }

  private redacted(error: unknown): string {
    return this.deps.redactor.redact(error instanceof Error ? error.message : String(error));
  }
}

/** Every tool of the server, following pagination cursors. */
async function listAllTools(client: Client, timeout: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}
