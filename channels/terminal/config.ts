/**
 * Config section `terminal`: whether `parley start` chats on its own terminal.
 */
import { z } from 'zod';

export const terminalSchema = z
  .object({
    enabled: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('Terminal chat: auto = when stdin is a TTY.'),
  })
  .strict()
  .prefault({});

export type TerminalConfig = z.output<typeof terminalSchema>;
