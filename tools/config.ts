/**
 * Config section `tools`: the policy of each tool (`auto` runs, `ask` waits for an
 * approval, `deny` refuses) and how approvals are answered. The sandboxed tools'
 * limits live in `sandbox/config.ts`.
 */
import { z } from 'zod';

export const toolsSchema = z
  .object({
    policies: z
      .record(z.string(), z.enum(['auto', 'ask', 'deny']))
      .default({})
      .describe('Per-tool policy overrides, e.g. { shell: ask, get_time: auto }.'),
    approvalTimeoutMinutes: z
      .number()
      .min(0.01)
      .default(10)
      .describe('A pending approval is denied after this long.'),
    approver: z
      .enum(['owner', 'requester'])
      .default('owner')
      .describe('Who may approve a tool call: only owners, or also the person who asked.'),
  })
  .strict()
  .prefault({});

export type ToolsConfig = z.output<typeof toolsSchema>;
