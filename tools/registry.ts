/**
 * The tool registry: every tool the model may call, with its zod schema (sent to the
 * model as JSON Schema), a description, and a policy:
 *
 * - `auto`: runs at once;
 * - `ask`:  the owner must approve each call (or the rest of the session);
 * - `deny`: never runs; the model is told so.
 *
 * Policies declared by a tool can be overridden by config (`tools.policies`). A tool
 * can be disabled at runtime with a reason (e.g. Docker is unreachable); it is then
 * not offered to the model and a call to it returns that reason.
 *
 * @example
 * ```ts
 * registry.register(defineTool({
 *   name: 'get_time', description: 'Current time', policy: 'auto',
 *   schema: z.object({ timeZone: z.string().optional() }),
 *   run: async ({ timeZone }) => ({ content: new Date().toLocaleString('en', { timeZone }) }),
 * }))
 * ```
 */
import { z } from 'zod';
import type { InboundMessage } from '../core/contract.js';

export type ToolPolicy = 'auto' | 'ask' | 'deny';

const STRICTNESS: Record<ToolPolicy, number> = { auto: 0, ask: 1, deny: 2 };

type ChatType = InboundMessage['chatType'];

/** What a running tool knows about the turn that called it. */
export interface ToolContext {
  sessionId: number;
  conversationKey: string;
  channel: string;
  senderId: string;
  /** Where the turn is answered (e.g. the conversation a new scheduled job belongs to). */
  conversation?: { account: string; conversationId: string; threadId?: string; chatType: ChatType };
  /** Set by the router: DM or group, and the platform chat id (memory scopes by them). */
  chatType?: ChatType;
  conversationId?: string;
  /** Aborted when the turn is abandoned (shutdown). */
  signal: AbortSignal;
}

export interface ToolResult {
  /** Text handed back to the model (already redacted by the tool when it carries output). */
  content: string;
  isError?: boolean;
  /** Structured details for logs and the admin page. */
  details?: Record<string, unknown>;
}

export interface Tool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: Schema;
  policy: ToolPolicy;
  /** Runs outside Parley's process (sandbox); shown as such to approvers. */
  sandboxed?: boolean;
  /**
   * A verdict on these arguments (e.g. shell's command allow/deny lists):
   * `allow` lets an `ask` call run without asking, `deny` refuses it.
   */
  verdict?(args: z.infer<Schema>): 'allow' | 'deny' | 'ask';
  /** JSON Schema sent to the model instead of `schema`'s (a tool described elsewhere, e.g. by an MCP server). */
  parameters?: Record<string, unknown>;
  /** Policy in group chats, applied when stricter than the tool's policy (e.g. fetch_url: deny). */
  groupPolicy?: ToolPolicy;
  run(args: z.infer<Schema>, context: ToolContext): Promise<ToolResult>;
}

/** Identity helper that keeps `run`'s argument type tied to the schema. */
export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool<Schema> {
  return tool;
}

/** A tool definition in the OpenAI Chat Completions `tools` shape. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();
  private readonly disabled = new Map<string, string>();
  /** Definitions by chat type (a group's policies differ), built once until a tool changes. */
  private readonly cached = new Map<'group' | 'any', ToolDefinition[]>();

  constructor(private readonly overrides: Record<string, ToolPolicy> = {}) {}

  register(tool: Tool<z.ZodType>): void {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name))
      throw new Error(`invalid tool name "${tool.name}"`);
    this.tools.set(tool.name, tool as Tool);
    this.cached.clear();
  }

  /** Removes a tool (e.g. an MCP server no longer lists it). */
  unregister(name: string): void {
    this.tools.delete(name);
    this.disabled.delete(name);
    this.cached.clear();
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** Every registered tool, enabled or not. */
  all(): Tool[] {
    return [...this.tools.values()];
  }

  /** The policy of a tool, in a chat of `chatType` when given (see `Tool.groupPolicy`). */
  policy(name: string, chatType?: ChatType): ToolPolicy {
    const tool = this.tools.get(name);
    const policy = this.overrides[name] ?? tool?.policy ?? 'deny';
    if (chatType !== 'group' || !tool?.groupPolicy) return policy;
    return STRICTNESS[tool.groupPolicy] > STRICTNESS[policy] ? tool.groupPolicy : policy;
  }

  /**
   * The policy of one call: the tool's policy, refined by its `verdict` on the
   * arguments (never looser than `deny`, never asking when the owner's lists allow).
   */
  policyFor(name: string, args: unknown, chatType?: ChatType): ToolPolicy {
    const base = this.policy(name, chatType);
    const verdict = this.tools.get(name)?.verdict?.(args as never);
    if (base === 'deny' || verdict === 'deny') return 'deny';
    return verdict === 'allow' ? 'auto' : base;
  }

  /** Takes a tool out of service, with the reason users and the model will see. */
  disable(name: string, reason: string): void {
    this.disabled.set(name, reason);
    this.cached.clear();
  }

  enable(name: string): void {
    this.disabled.delete(name);
    this.cached.clear();
  }

  /** Why a tool cannot be used now, if it cannot. */
  unavailable(name: string, chatType?: ChatType): string | undefined {
    if (!this.tools.has(name)) return `unknown tool "${name}"`;
    if (this.disabled.has(name)) return this.disabled.get(name);
    if (this.policy(name, chatType) === 'deny')
      return `tool "${name}" is denied by policy${chatType === 'group' ? ' in group chats' : ''}`;
    return undefined;
  }

  /** Definitions offered to the model: enabled tools whose policy (in `chatType`) is not `deny`. */
  definitions(chatType?: ChatType): ToolDefinition[] {
    const key = chatType === 'group' ? 'group' : 'any';
    let definitions = this.cached.get(key);
    if (!definitions) {
      definitions = this.build(chatType === 'group' ? chatType : undefined);
      this.cached.set(key, definitions);
    }
    return definitions;
  }

  private build(chatType?: ChatType): ToolDefinition[] {
    return this.all()
      .filter((tool) => this.unavailable(tool.name, chatType) === undefined)
      .map((tool) => ({
        type: 'function' as const,
        function: {
          name: tool.name,
          description: tool.description,
          parameters: tool.parameters ?? toJsonSchema(tool.schema),
        },
      }));
  }
}

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
