/**
 * Memory in the conversation: at the start of each turn the speaker's memories that
 * best match the message are offered to the model in the system prompt, within
 * `memory.promptTokens` (estimated at 4 characters a token) and `memory.promptMax`;
 * `/memory` lists them and `/memory forget <id>` or `/memory clear` deletes them.
 * Both use the same scope as the tools (tools/memory: the speaker, in this DM or
 * group), so no path shows a user another user's memories.
 */
import type { MemoryStore } from '../sessions/stores.js';
import type { MemoryConfig } from '../tools/memory/config.js';
import { memoryScope } from '../tools/memory/index.js';
import type { Command, CommandContext } from './commands.js';
import type { PromptSection } from './turn-context.js';

const CHARS_PER_TOKEN = 4;

export function memorySection(store: MemoryStore, config: MemoryConfig): PromptSection {
  return async ({ message }) => {
    if (config.promptTokens === 0 || config.promptMax === 0 || !message.text.trim()) return;
    const { channel, chatType, conversationId } = message;
    const scope = memoryScope(
      { channel, senderId: message.sender.id, chatType, conversationId },
      config,
    );
    if (!scope) return;
    const found = await store.search(scope, message.text, config.promptMax);
    let budget = config.promptTokens * CHARS_PER_TOKEN;
    const lines: string[] = [];
    for (const memory of found) {
      const line = `- #${memory.id}: ${memory.text}`;
      if (line.length > budget) break;
      budget -= line.length;
      lines.push(line);
    }
    if (lines.length === 0) return;
    return [
      'Things this user asked you to remember that may be relevant (use recall for more, forget to delete):',
      ...lines,
    ].join('\n');
  };
}

export function memoryCommand(store: MemoryStore, config: MemoryConfig): Command {
  return {
    name: 'memory',
    description: 'List what I remember about you; /memory forget <id>, /memory clear',
    run: (context, args) => runMemory(store, config, context, args),
  };
}

async function runMemory(
  store: MemoryStore,
  config: MemoryConfig,
  context: CommandContext,
  args: string,
): Promise<string> {
  const separator = context.principal.indexOf(':');
  const speaker = {
    channel: context.principal.slice(0, separator),
    senderId: context.principal.slice(separator + 1),
    ...(context.chatType ? { chatType: context.chatType } : {}),
    ...(context.conversationId ? { conversationId: context.conversationId } : {}),
  };
  const scope = memoryScope(speaker, config);
  if (!scope) return 'Memory is off in group chats.';
  const [action, id] = args.split(/\s+/);
  if (action === 'forget' || action === 'delete') {
    const n = Number(id?.replace(/^#/, ''));
    if (!Number.isInteger(n) || n <= 0) return 'Usage: /memory forget <id>';
    return (await store.forget(scope, n)) ? `Forgot #${n}.` : `No memory #${n} of yours here.`;
  }
  if (action === 'clear') return `Forgot ${await store.clear(scope)} memories.`;
  const count = await store.count(scope);
  if (count === 0) return 'I remember nothing about you here.';
  const shown = await store.list(scope, { limit: 30, offset: 0 });
  const more = count > shown.length ? `\n(${count - shown.length} older not shown)` : '';
  return `I remember (${count}):\n${shown.map((m) => `#${m.id}: ${m.text}`).join('\n')}${more}\n\n/memory forget <id> deletes one, /memory clear all.`;
}
