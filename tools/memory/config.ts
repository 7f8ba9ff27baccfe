/**
 * Config section `memory`: the remember / recall / forget tools, where memories are
 * kept in group chats, and how many of them the model is offered at the start of a turn.
 */
import { z } from 'zod';

export const memorySchema = z
  .object({
    enabled: z.boolean().default(true).describe('Offer remember / recall / forget and /memory.'),
    groups: z
      .enum(['group', 'off'])
      .default('group')
      .describe(
        "In group chats: keep a user's memories within that group, recalled only there and only for them (group), or no memory tools in groups (off). A user's own (DM) memories never reach a group.",
      ),
    promptTokens: z
      .number()
      .int()
      .min(0)
      .default(300)
      .describe('Estimated tokens of relevant memories offered at the start of a turn (0: none).'),
    promptMax: z.number().int().min(0).default(8).describe('Memories offered at most per turn.'),
    maxChars: z.number().int().min(10).default(1000).describe('Longest fact remember accepts.'),
    maxPerUser: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Memories one user may keep per scope; remember refuses beyond.'),
  })
  .strict()
  .prefault({});

export type MemoryConfig = z.infer<typeof memorySchema>;
