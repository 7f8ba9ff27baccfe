/**
 * `/jobs` in chat: the conversation's scheduled jobs with their last receipts, and
 * `/jobs cancel|pause|resume|run <id>` (the job's owner or an owner of Parley).
 */
import { JobError, type JobService } from './service.js';

const USAGE = 'Usage: /jobs, or /jobs cancel|pause|resume|run <id>';

/** What `/jobs` knows of its caller. */
export interface JobsCaller {
  principal: string;
  conversationKey: string;
  jobs?: JobService | undefined;
}

export async function jobsCommand(context: JobsCaller, args: string): Promise<string> {
  const service = context.jobs;
  if (!service) return 'Scheduled jobs are turned off here (scheduler.enabled: false).';
  if (!args) {
    const lines = service.describe(
      await service.overview({ conversationKey: context.conversationKey, limit: 20 }),
    );
    return lines.length
      ? ['Scheduled jobs here:', ...lines].join('\n')
      : 'No scheduled jobs in this conversation. Ask me to remind you of something.';
  }
  const match = /^(cancel|pause|resume|run)\s+#?(\d+)$/i.exec(args);
  if (!match) return USAGE;
  const action = match[1]!.toLowerCase() as 'cancel' | 'pause' | 'resume' | 'run';
  try {
    return await service.act(Number(match[2]), action, context.principal);
  } catch (error) {
    if (error instanceof JobError) return `Could not ${action} it: ${error.message}.`;
    throw error;
  }
}
