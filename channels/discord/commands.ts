/**
 * Parley's Discord slash commands, registered at startup with one REST
 * `PUT /applications/:id/commands` (or the guild route when `commandGuildId` is
 * set), and how an invocation becomes message text for the router:
 * `/ask text` → `text`, `/reset` → `/reset`, `/status` → `/status`.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';

/** The command definitions sent to Discord. */
export const slashCommands: RESTPutAPIApplicationCommandsJSONBody = [
  {
    name: 'ask',
    description: 'Ask Parley something',
    type: ApplicationCommandType.ChatInput,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: [
      {
        name: 'text',
        description: 'Your question or request',
        type: ApplicationCommandOptionType.String,
        required: true,
        max_length: 4000,
      },
    ],
  },
  {
    name: 'reset',
    description: 'Forget this conversation and start a new session',
    type: ApplicationCommandType.ChatInput,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  {
    name: 'status',
    description: 'Show the model, session and queue',
    type: ApplicationCommandType.ChatInput,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
];

/** Message text for a slash command invocation. */
export function commandText(name: string, text: string | null): string {
  return name === 'ask' ? (text ?? '').trim() : `/${name}`;
}

/** What the bot answers the interaction with at once (Discord wants an answer within 3 s). */
export function commandEcho(name: string, text: string): string {
  if (name !== 'ask') return `\`/${name}\``;
  const quoted = text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return quoted.length > 1900 ? `${quoted.slice(0, 1900)}…` : quoted;
}
