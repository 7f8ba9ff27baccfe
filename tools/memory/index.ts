/**
 * The memory tools: `remember` stores a fact the user wants kept, `recall` searches
 * them (full text), `forget` deletes one by id. All three act only on the memory
 * scope of the user who is speaking (see {@link memoryScope}): their own memories
 * in a DM, their memories of this group in a group (or nothing, `memory.groups: off`).
 * No argument can name another user or scope. Policy auto.
 *
 * @example
 * ```ts
 * for (const tool of memoryTools(stores.memory, config.memory)) registry.register(tool)
 * ```
 */
import { z } from 'zod';
import type { MemoryScope, MemoryStore } from '../../sessions/stores.js';
import { defineTool, type Tool, type ToolContext } from '../registry.js';
import type { MemoryConfig } from './config.js';

/** Who and where: what every memory read and write is confined to. */
export interface Speaker {
  channel: string;
  senderId: string;
  chatType?: 'dm' | 'group';
  conversationId?: string;
}

/**
 * The memory scope of the speaker: their own in a DM; their memories of this group
 * in a group (`groups: group`), or undefined when memory is off in groups.
 */
export function memoryScope(speaker: Speaker, config: MemoryConfig): MemoryScope | undefined {
  const own = { channel: speaker.channel, userId: speaker.senderId };
  if (speaker.chatType !== 'group') return own;
  if (config.groups === 'off' || !speaker.conversationId) return undefined;
  return { ...own, group: speaker.conversationId };
}

const NO_SCOPE = 'Memory is off in group chats (memory.groups: off).';

export function memoryTools(store: MemoryStore, config: MemoryConfig): Tool[] {
  const scopeOf = (context: ToolContext) => memoryScope(context, config);
  const groupPolicy = config.groups === 'off' ? ('deny' as const) : undefined;
  const remember = defineTool({
    name: 'remember',
    description:
      'Stores a fact about the user for later conversations (preferences, names, dates they asked you to keep). Only this user can recall it.',
    policy: 'auto',
    ...(groupPolicy ? { groupPolicy } : {}),
    schema: z.object({
      fact: z.string().min(1).max(config.maxChars).describe('The fact, as one short sentence'),
    }),
    async run({ fact }, context) {
      const scope = scopeOf(context);
      if (!scope) return { content: NO_SCOPE, isError: true };
      if ((await store.count(scope)) >= config.maxPerUser)
        return {
          content: `This user already has ${config.maxPerUser} memories; forget some first.`,
          isError: true,
        };
      const memory = await store.add(scope, fact.trim());
      return { content: `Remembered (#${memory.id}).`, details: { id: memory.id } };
    },
  });
  const recall = defineTool({
    name: 'recall',
    description:
      "Searches the user's stored memories by words; without a query lists the most recent ones. Returns each with its #id.",
    policy: 'auto',
    ...(groupPolicy ? { groupPolicy } : {}),
    schema: z.object({
      query: z.string().max(500).optional().describe('Words to look for'),
      limit: z.number().int().min(1).max(50).optional().describe('How many (default 10)'),
    }),
    async run({ query, limit = 10 }, context) {
      const scope = scopeOf(context);
      if (!scope) return { content: NO_SCOPE, isError: true };
      const found = query?.trim()
        ? await store.search(scope, query, limit)
        : await store.list(scope, { limit, offset: 0 });
      if (found.length === 0) return { content: 'No matching memories.' };
      return { content: found.map((m) => `#${m.id}: ${m.text}`).join('\n') };
    },
  });
  const forget = defineTool({
    name: 'forget',
    description: 'Deletes one of the user’s memories by its #id (find it with recall first).',
    policy: 'auto',
    ...(groupPolicy ? { groupPolicy } : {}),
    schema: z.object({ id: z.number().int().positive().describe('The memory #id') }),
    async run({ id }, context) {
      const scope = scopeOf(context);
      if (!scope) return { content: NO_SCOPE, isError: true };
      return (await store.forget(scope, id))
        ? { content: `Forgot #${id}.` }
        : { content: `No memory #${id} of this user.`, isError: true };
    },
  });
  return [remember, recall, forget] as Tool[];
}
