/**
 * Config section `queue`: how many conversations the bridge handles at once, how
 * many messages wait in memory, how often an interrupted message is re-run, and how
 * long finished inbox rows are kept.
 */
import { z } from 'zod';

export const queueSchema = z
  .object({
    concurrency: z.number().int().min(1).default(16).describe('Conversations handled in parallel.'),
    capacity: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Messages waiting in memory before channels are slowed down.'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'Interrupted runs of one message (crashes or restarts mid-turn) before it is answered with an apology instead.',
      ),
    inboxRetentionDays: z
      .number()
      .min(1)
      .default(7)
      .describe(
        'Days a finished inbox row is kept (its ids deduplicate a platform redelivering the message) before it is pruned; at least one day, since platforms redeliver for up to a day.',
      ),
  })
  .strict()
  .prefault({});

export type QueueConfig = z.output<typeof queueSchema>;
