/**
 * The `schedule` tool: the agent creates, lists, cancels, pauses and resumes
 * scheduled jobs of the conversation it is talking in. Jobs always belong to that
 * conversation and to the person who asked.
 *
 * Policy: declared `ask`; each call's verdict follows `scheduler.policies`, by
 * default `auto` for a one-shot reminder and `ask` for a recurring job (an owner
 * approves it). Listing and changing one's own jobs run at once.
 */
import { z } from 'zod';
import { conversationKey } from '../../core/contract.js';
import { defineTool, type ToolPolicy } from '../../tools/registry.js';
import type { SchedulerConfig } from './config.js';
import { timeZoneOf } from './index.js';
import { formatTime } from './schedule.js';
import { JobError, type JobService } from './service.js';

const VERDICT: Record<ToolPolicy, 'allow' | 'ask' | 'deny'> = {
  auto: 'allow',
  ask: 'ask',
  deny: 'deny',
};

const schema = z.object({
  action: z.enum(['create', 'list', 'cancel', 'pause', 'resume']),
  instruction: z
    .string()
    .max(4000)
    .optional()
    .describe(
      'create: what you will be asked to do at each run, e.g. "Remind Ada to call the bank"',
    ),
  at: z
    .string()
    .optional()
    .describe(
      'create, one-shot: "in 20 minutes", or an ISO time such as 2026-12-02T09:00 (local to timeZone)',
    ),
  cron: z
    .string()
    .optional()
    .describe('create, recurring: five-field cron, e.g. "0 9 * * 1" (Mondays 09:00)'),
  every: z
    .string()
    .optional()
    .describe('create, recurring: an interval such as "2 hours" (at least 1 minute)'),
  timeZone: z
    .string()
    .optional()
    .describe('IANA time zone of cron and of ISO times without offset'),
  catchUp: z
    .enum(['run-once', 'skip'])
    .optional()
    .describe(
      'create: a run missed while Parley was down runs once late, or is skipped with a note',
    ),
  maxTokens: z.number().int().min(100).optional().describe('create: token cap of one run'),
  id: z.number().int().optional().describe('cancel, pause, resume: the job number'),
});

export function scheduleTool(service: JobService, config: SchedulerConfig) {
  return defineTool({
    name: 'schedule',
    description:
      'Schedule work in this conversation: a one-shot reminder ("at"), a cron job ("cron") or an interval ("every"). ' +
      'At each run you receive the instruction as a message and your answer is posted here. Also lists, cancels, pauses and resumes jobs. ' +
      `Times without an offset and cron expressions are in ${config.timeZone} unless you pass timeZone.`,
    policy: 'ask',
    schema,
    verdict(args) {
      if (args.action !== 'create') return 'allow';
      return VERDICT[args.at ? config.policies.reminder : config.policies.recurring];
    },
    async run(args, context) {
      const owner = `${context.channel}:${context.senderId}`;
      try {
        if (args.action === 'list')
          return { content: await list(service, context.conversationKey) };
        if (args.action !== 'create') {
          if (args.id === undefined)
            return { content: `"${args.action}" needs the job's id`, isError: true };
          return { content: await service.act(args.id, args.action, owner) };
        }
        const target = context.conversation;
        if (!target)
          return { content: 'jobs can only be created from a conversation', isError: true };
        const jobTarget = { channel: context.channel, ...target };
        if (conversationKey(jobTarget) !== context.conversationKey)
          return { content: 'this conversation cannot hold jobs', isError: true };
        const job = await service.create({
          ...args,
          instruction: args.instruction ?? '',
          owner,
          conversationKey: context.conversationKey,
          target: jobTarget,
        });
        const zone = timeZoneOf(job, args.timeZone ?? config.timeZone);
        const next =
          job.nextRunAt === null ? 'never' : `${formatTime(job.nextRunAt, zone)} (${zone})`;
        return { content: `Created job #${job.id}; next run ${next}.`, details: { job: job.id } };
      } catch (error) {
        if (error instanceof JobError) return { content: error.message, isError: true };
        throw error;
      }
    },
  });
}

async function list(service: JobService, key: string): Promise<string> {
  const lines = service.describe(await service.overview({ conversationKey: key, limit: 20 }));
  return lines.length ? lines.join('\n') : 'No jobs in this conversation.';
}
