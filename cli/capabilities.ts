/**
 * The capabilities that reach into a turn beyond a tool: each registers its tools
 * and adds what the model should know (a system prompt section), a step on the
 * inbound message, or a chat command, to the lists the router was given:
 *
 *   MCP servers down ─► prompt note
 *   memory           ─► remember / recall / forget, relevant memories in the prompt, /memory
 */

import type { Command } from '../agent/commands.js';
import { memoryCommand, memorySection } from '../agent/memory.js';
import type { TurnExtensions } from '../agent/turn-context.js';
import type { MemoryStore } from '../sessions/stores.js';
import type { McpManager } from '../tools/mcp/manager.js';
import type { MemoryConfig } from '../tools/memory/config.js';
import { memoryTools } from '../tools/memory/index.js';
import type { ToolRegistry } from '../tools/registry.js';

export interface CapabilitySetup {
  config: { memory: MemoryConfig };
  tools: ToolRegistry;
  stores: { memory: MemoryStore };
  mcp: McpManager | undefined;
  turn: TurnExtensions;
  commands: Command[];
}

export async function registerCapabilities(setup: CapabilitySetup): Promise<void> {
  const { config, tools, turn, commands, mcp } = setup;
  if (mcp) turn.sections.push(() => mcp.note());
  if (config.memory.enabled) {
    for (const tool of memoryTools(setup.stores.memory, config.memory)) tools.register(tool);
    turn.sections.push(memorySection(setup.stores.memory, config.memory));
    commands.push(memoryCommand(setup.stores.memory, config.memory));
  }
}
