/**
 * Config section `scheduler`: scheduled jobs (reminders, cron jobs, intervals) the
 * agent creates with its `schedule` tool. Composed into Parley's config by `cli/config/`.
 */
import { z } from 'zod';

const policy = z.enum(['auto', 'ask', 'deny']);

/** An IANA time zone name the runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const schedulerSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Run scheduled jobs and offer the schedule tool to the agent.'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone such as "Europe/Paris"')
      .default('UTC')
      .meta({ env: 'PARLEY_TIME_ZONE' })
      .describe(
        'Time zone of cron jobs and of times given without an offset, unless a job names its own.',
      ),
    maxJobsPerUser: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe('Active or paused jobs one user may own.'),
    catchUp: z
      .enum(['run-once', 'skip'])
      .default('run-once')
      .describe(
        'Default for runs missed while Parley was down: run once on start with a note saying when it was due, or skip with a note in the conversation.',
      ),
    missedAfterSeconds: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe(
        'A run starting later than this after its due time counts as missed (catch-up policy applies).',
      ),
    maxTokensPerRun: z
      .number()
      .int()
      .min(100)
      .default(50_000)
      .describe(
        'Default token cap of one run (prompt + completion over its model calls); a job may set a lower one.',
      ),
    policies: z
      .object({
        reminder: policy
          .default('auto')
          .describe('Policy of creating a one-shot reminder in the conversation that asks for it.'),
        recurring: policy
          .default('ask')
          .describe('Policy of creating a recurring job (cron or interval).'),
      })
      .strict()
      .prefault({})
      .describe(
        'Who decides on schedule tool calls (auto runs, ask waits for approval, deny refuses).',
      ),
  })
  .strict()
  .prefault({});

export type SchedulerConfig = z.output<typeof schedulerSchema>;
