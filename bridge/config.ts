/**
 * Config section `queue`: how many conversations the bridge handles at once, how
 * many messages wait in memory, how often an interrupted message is re-run, what
 * happens to messages that arrive while a conversation's turn runs (`mode`,
 * `debounceMs`, per channel in `channels`; per conversation with `/queue`), and how
 * long finished inbox rows are kept.
 */
import { z } from 'zod';

/** What a message that arrives while its conversation's turn runs does (bridge/modes.ts). */
export const queueModes = ['followup', 'collect', 'interrupt'] as const;
export type QueueMode = (typeof queueModes)[number];

const modeSchema = z
  .enum(queueModes)
  .describe(
    'followup: each message waiting behind a running turn gets its own turn, in order; collect: the messages that arrived during a turn become one next turn; interrupt: a new message stops the running turn and the next turn answers them together.',
  );

const debounceSchema = z
  .number()
  .int()
  .min(0)
  .max(60_000)
  .describe(
    'A turn starts only after this many ms without a new message in its conversation; a burst becomes one turn. 0 starts at once (no added latency); 500 suits people who send three short lines for one question.',
  );

export const queueChannelSchema = z
  .object({ mode: modeSchema.optional(), debounceMs: debounceSchema.optional() })
  .strict();

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
        'Runs of one message cut short by a crash or restart mid-turn (an interrupt by queue mode `interrupt` does not count) before it is answered with an apology instead.',
      ),
    mode: modeSchema.default('followup').meta({ example: 'collect' }),
    debounceMs: debounceSchema.default(0).meta({ example: '500' }),
    channels: z
      .record(z.string(), queueChannelSchema)
      .default({})
      .describe(
        'Per channel id, a mode and/or debounceMs that replace the ones above, e.g. { telegram: { mode: collect, debounceMs: 500 } }.',
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
