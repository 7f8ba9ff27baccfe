/**
 * Config section `queue`: how many conversations the bridge handles at once, how
 * many messages wait in memory, and how often an interrupted message is re-run.
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
  })
  .strict()
  .prefault({});

export type QueueConfig = z.output<typeof queueSchema>;
