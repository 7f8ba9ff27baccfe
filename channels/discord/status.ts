/**
 * Operator-facing explanations for the ways a Discord connection fails: gateway
 * close codes and login errors become a `ChannelStatus` detail and a fix that
 * names the exact switch to flip, shown by `parley status` and logged once.
 */

/** `[detail, fix]` for an operator. */
export type Problem = [detail: string, fix: string];

const PORTAL = 'https://discord.com/developers/applications';

export const MESSAGE_CONTENT_FIX =
  `Open ${PORTAL} → your application → Bot → "Privileged Gateway Intents", switch on ` +
  '"Message Content Intent", click "Save Changes", then restart Parley (bots in 100 or more ' +
  'servers must be verified and approved for the intent first).';

const TOKEN_FIX = `Open ${PORTAL} → your application → Bot → "Reset Token", then set channels.discord.token (or DISCORD_BOT_TOKEN) to the new token.`;

/** Problems for gateway close codes Discord never recovers from. */
export function closeProblem(code: number): Problem | undefined {
  switch (code) {
    case 4014:
      return [
        'Discord refused the privileged Message Content intent (gateway close code 4014)',
        MESSAGE_CONTENT_FIX,
      ];
    case 4004:
      return ['Discord rejected the bot token (gateway close code 4004)', TOKEN_FIX];
    case 4013:
      return [
        'Discord rejected the intents as invalid (gateway close code 4013)',
        'Upgrade Parley; the intents it asks for are Guilds, GuildMessages, MessageContent and DirectMessages.',
      ];
    case 4010:
    case 4011:
      return [
        `Discord requires sharding for this bot (gateway close code ${code})`,
        'The bot is in too many servers for one connection; sharding is not supported yet.',
      ];
    default:
      return undefined;
  }
}

/** A problem for an error thrown while logging in. */
export function problemOf(error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (/disallowed intents/i.test(message)) return closeProblem(4014)!;
  if (code === 'TokenInvalid' || /invalid token|401|authentication failed/i.test(message))
    return ['Discord rejected the bot token', TOKEN_FIX];
  return [
    `could not connect to Discord: ${message}`,
    'Check the network connection to discord.com; Parley keeps running without Discord until restarted.',
  ];
}
