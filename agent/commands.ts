/**
 * Chat commands (`/help /new /reset /status /whoami /start`). A command may arrive
 * as `/cmd@BotName` in groups; the suffix is ignored. Unknown `/words` are not
 * commands and go to the model.
 */

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
}

export interface Command {
  name: string;
  description: string;
  run(context: CommandContext, args: string): string | Promise<string>;
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
    name: 'whoami',
    description: 'Show your id and role',
    run: (context) =>
      `You are ${context.senderName ?? 'unknown'} (${context.principal}), role: ${context.role}.`,
  },
];

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
