/**
 * Chat commands (`/help /new /reset /status /usage /whoami /start /jobs /stop /model /queue`). A command may arrive
 * as `/cmd@BotName` in groups; the suffix is ignored. Unknown `/words` are not
 * commands and go to the model.
 */
import type { QueueMode } from '../bridge/config.js';
import { isQueueMode } from '../bridge/modes.js';
import { jobsCommand } from './scheduler/commands.js';
import type { JobService } from './scheduler/service.js';

export interface CommandContext {
  principal: string;
  senderName: string | undefined;
  role: 'owner' | 'allowed' | 'guest';
  conversationKey: string;
  chatType?: 'dm' | 'group';
  /** The platform chat id (memory in groups is scoped by it). */
  conversationId?: string;
  /** Commands besides the built-in ones, for /help. */
  extraCommands?: Command[];
  /** Ends the conversation's session; true when one was open. */
  resetSession(): Promise<boolean>;
  status(): Promise<Record<string, string | number>>;
  /** The `/usage` answer (`all`: everyone's, for owners); undefined when usage is not metered. */
  usage?(all: boolean): Promise<string>;
  /** Scheduled jobs; undefined when the scheduler is off. */
  jobs?: JobService | undefined;
  /** Aborts the conversation's running turn; false when none runs. */
  stopTurn?(): Promise<boolean>;
  /** The configured models and this conversation's choice (`/model`). */
  models?: {
    names: string[];
    current(): Promise<string>;
    /** The channel's default, what `/model default` goes back to. */
    fallback: string;
    choose(name: string | undefined): Promise<void>;
  };
  /** This conversation's queue mode (`/queue`); undefined when it cannot be stored. */
  queue?: {
    current(): Promise<QueueMode>;
    /** The channel's mode, what `/queue default` goes back to. */
    fallback: QueueMode;
    choose(mode: QueueMode | undefined): Promise<void>;
  };
}

export interface Command {
  name: string;
  description: string;
  /** The reply; `null` stays silent (the stopped turn answers for `/stop`). */
  run(context: CommandContext, args: string): string | null | Promise<string | null>;
}

export const commands: Command[] = [
  {
    name: 'help',
    description: 'List the commands',
    run: (context) => helpText(context.extraCommands),
  },
  {
    name: 'start',
    description: 'Say hello',
    run: (context) =>
      `Hello${context.senderName ? ` ${context.senderName}` : ''}! Just write to me.\n\n${helpText(context.extraCommands)}`,
  },
  {
    name: 'new',
    description: 'Start a new conversation (forget the history)',
    run: async (context) => {
      await context.resetSession();
      return 'Started a new session. Previous messages are forgotten.';
    },
  },
  {
    name: 'reset',
    description: 'Same as /new',
    run: async (context) => {
      await context.resetSession();
      return 'Session reset. Previous messages are forgotten.';
    },
  },
  {
    name: 'status',
    description: 'Show the model, session and queue',
    run: async (context) =>
      Object.entries(await context.status())
        .map(([key, value]) => `${key}: ${value}`)
        .join('\n'),
  },
  {
    name: 'usage',
    description: 'Show your token use and budgets today and this month (owners: /usage all)',
    run: async (context, args) =>
      context.usage
        ? context.usage(args.toLowerCase() === 'all')
        : 'Usage is not metered in this Parley.',
  },
  {
    name: 'stop',
    description: 'Stop the answer being written',
    run: async (context) =>
      (await context.stopTurn?.()) ? null : 'Nothing to stop: no answer is being written.',
  },
  {
    name: 'model',
    description: 'Owners: list the models, or switch this conversation with /model <name>',
    run: (context, args) => modelCommand(context, args),
  },
  {
    name: 'queue',
    description:
      'Messages sent while I answer: /queue followup (each answered in turn), collect (answered together next), interrupt (stop and answer all)',
    run: (context, args) => queueCommand(context, args),
  },
  {
    name: 'whoami',
    description: 'Show your id and role',
    run: (context) =>
      `You are ${context.senderName ?? 'unknown'} (${context.principal}), role: ${context.role}.`,
  },
  {
    name: 'jobs',
    description: 'Scheduled jobs here and their last runs (/jobs cancel|pause|resume|run <id>)',
    run: (context, args) => jobsCommand(context, args),
  },
];

async function modelCommand(context: CommandContext, args: string): Promise<string> {
  const models = context.models;
  if (context.role !== 'owner') return 'Only an owner can list or switch models.';
  if (!models) return 'No AI provider is configured.';
  const current = await models.current();
  if (!args) {
    const lines = models.names.map((name) => `${name === current ? '→' : '•'} ${name}`);
    return [
      'Models (→ answers this conversation; the others are fallbacks in this order):',
      ...lines,
      `Switch with /model <name>; /model default goes back to ${models.fallback}.`,
    ].join('\n');
  }
  const name = args === 'default' ? models.fallback : args;
  if (!models.names.includes(name))
    return `No model named "${args}". Configured: ${models.names.join(', ')}.`;
  await models.choose(args === 'default' ? undefined : name);
  return `This conversation now uses ${name}.`;
}

const QUEUE_MODES: Record<QueueMode, string> = {
  followup: 'each message sent while I answer gets its own answer, in order',
  collect: 'the messages sent while I answer are answered together, next',
  interrupt: 'a new message stops the answer being written; I answer everything together',
};

async function queueCommand(context: CommandContext, args: string): Promise<string> {
  const queue = context.queue;
  if (!queue) return 'The queue mode cannot be changed in this Parley.';
  const wanted = args.toLowerCase();
  if (!wanted) {
    const current = await queue.current();
    return [
      `Queue mode: ${current} (${QUEUE_MODES[current]}).`,
      `Switch with /queue followup|collect|interrupt; /queue default goes back to ${queue.fallback}.`,
    ].join('\n');
  }
  if (wanted === 'default') {
    await queue.choose(undefined);
    return `Queue mode: ${queue.fallback} (${QUEUE_MODES[queue.fallback]}).`;
  }
  if (!isQueueMode(wanted))
    return `No queue mode "${args}". Use followup, collect, interrupt or default.`;
  await queue.choose(wanted);
  return `Queue mode: ${wanted} (${QUEUE_MODES[wanted]}).`;
}

function helpText(extra: Command[] = []): string {
  return [
    'Commands:',
    ...[...commands, ...extra]
      .filter((c) => c.name !== 'start')
      .map((c) => `/${c.name} — ${c.description}`),
  ].join('\n');
}

/** Splits `/cmd@Bot args` into a known command (built-in or one of `more`) and its arguments. */
export function parseCommand(
  text: string,
  more: Command[] = [],
): { command: Command; args: string } | undefined {
  const match = /^\/([a-z_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  const command = [...commands, ...more].find((c) => c.name === name);
  return command ? { command, args: match[2]?.trim() ?? '' } : undefined;
}
