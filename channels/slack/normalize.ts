/**
 * Raw Slack payloads → {@link InboundMessage}: the inbound half of the Slack adapter,
 * pure functions fed by the Bolt listeners in `adapter.ts` (and by the fixtures in tests).
 *
 * - `app_mention` in a channel: a group message addressed to the bot. Its thread is
 *   `thread_ts ?? ts`, so a mention at top level opens a thread and every thread is
 *   one session; the reply goes into that thread.
 * - `message` with `channel_type: im`: a DM (threaded only if the user wrote in a thread).
 * - other channel `message`s: group messages not addressed to the bot; those that
 *   mention the bot are skipped, because Slack also sends them as `app_mention`.
 *   `parent_user_id` is the thread's starter: a thread the bot started counts as a
 *   reply to it here; threads the bot joined later are known to the adapter (threads.ts).
 * - the bot's own messages, other bots' messages and edits/joins/deletions are skipped.
 * - `block_actions`: a pressed button, delivered as `action` with the button's value.
 *
 * The dedupe key is the Events API `event_id`, so Slack's retries collapse in the inbox.
 */
import type { Attachment, InboundMessage } from '../../core/contract.js';
import type {
  SlackBlockActionsBody,
  SlackEventEnvelope,
  SlackFile,
  SlackIdentity,
  SlackMessageEvent,
} from './types.js';

export const CHANNEL_ID = 'slack';

/** Either a message to accept or the reason it was dropped (for debug logs). */
export type Normalized = { message: InboundMessage } | { skip: string };

/** Subtypes that still are a person writing (everything else is an edit, join, …). */
const USER_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

/** Normalises an `event_callback` carrying `app_mention` or `message`. */
export function fromEvent(body: SlackEventEnvelope, bot: SlackIdentity): Normalized {
  const event = body.event;
  if (!event?.channel || !event.ts) return { skip: 'malformed event (no channel or ts)' };
  if (event.bot_id || event.subtype === 'bot_message') return { skip: 'bot message' };
  if (!event.user) return { skip: 'event without a user' };
  if (event.user === bot.botUserId) return { skip: 'own message' };
  if (event.subtype && !USER_SUBTYPES.has(event.subtype))
    return { skip: `message subtype ${event.subtype}` };
  const text = event.text ?? '';
  const mentions = mentionsUser(text, bot.botUserId);
  const dm = event.channel_type === 'im' || (event.type !== 'app_mention' && isDmChannel(event));
  if (event.type === 'message' && !dm && mentions) return { skip: 'mention (sent as app_mention)' };
  if (event.type !== 'message' && event.type !== 'app_mention')
    return { skip: `event type ${event.type}` };
  const threadId = event.type === 'app_mention' ? (event.thread_ts ?? event.ts) : event.thread_ts;
  return {
    message: {
      channel: CHANNEL_ID,
      account: body.team_id ?? bot.teamId,
      conversationId: event.channel,
      ...(threadId ? { threadId } : {}),
      sender: { id: event.user, ...senderName(event) },
      chatType: dm ? 'dm' : 'group',
      mentionsBot: event.type === 'app_mention' || mentions,
      repliesToBot: !dm && event.parent_user_id === bot.botUserId,
      text: cleanText(text, bot.botUserId),
      attachments: (event.files ?? []).map(toAttachment),
      platformMessageId: body.event_id ?? `${event.channel}:${event.ts}`,
      timestamp: slackTime(event.ts),
      raw: { eventType: event.type, ts: event.ts },
    },
  };
}

/** What a slash command invocation carries (Bolt's `SlashCommand`, the fields used). */
export interface SlackSlashCommand {
  command: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  team_id?: string;
  trigger_id: string;
}

/**
 * `/parley reset` → `/reset`, `/parley status` → `/status` (any Parley command word),
 * `/parley <question>` → the question; addressed to the bot wherever it was typed.
 * `commands` are the names of Parley's chat commands.
 */
export function fromSlashCommand(
  command: SlackSlashCommand,
  bot: SlackIdentity,
  commands: ReadonlySet<string>,
): Normalized {
  if (!command.channel_id || !command.user_id) return { skip: 'malformed slash command' };
  const text = command.text.trim();
  const word = text.split(/\s+/)[0]?.replace(/^\//, '') ?? '';
  const asCommand = commands.has(word) ? `/${text.replace(/^\//, '')}` : text;
  return {
    message: {
      channel: CHANNEL_ID,
      account: command.team_id ?? bot.teamId,
      conversationId: command.channel_id,
      sender: { id: command.user_id, ...(command.user_name ? { name: command.user_name } : {}) },
      chatType: command.channel_id.startsWith('D') ? 'dm' : 'group',
      mentionsBot: true,
      repliesToBot: false,
      text: asCommand || '/help',
      attachments: [],
      platformMessageId: `command:${command.trigger_id}`,
      timestamp: Date.now(),
    },
  };
}

/** Normalises a `block_actions` payload (a pressed Block Kit button). */
export function fromBlockActions(body: SlackBlockActionsBody, bot: SlackIdentity): Normalized {
  const action = body.actions?.find((a) => typeof a.value === 'string');
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (!action?.value || !channel || !body.user?.id) return { skip: 'malformed block_actions' };
  const threadId = body.message?.thread_ts ?? body.container?.thread_ts;
  const messageTs = body.container?.message_ts ?? body.message?.ts;
  const name = body.user.name ?? body.user.username;
  return {
    message: {
      channel: CHANNEL_ID,
      account: body.team?.id ?? body.user.team_id ?? bot.teamId,
      conversationId: channel,
      ...(threadId ? { threadId } : {}),
      sender: { id: body.user.id, ...(name ? { name } : {}) },
      chatType: channel.startsWith('D') ? 'dm' : 'group',
      mentionsBot: false,
      repliesToBot: true,
      text: '',
      attachments: [],
      platformMessageId: `action:${body.trigger_id ?? `${channel}:${action.action_ts}`}`,
      timestamp: action.action_ts ? slackTime(action.action_ts) : Date.now(),
      action: {
        data: action.value,
        ...(action.action_id ? { callbackId: action.action_id } : {}),
        ...(messageTs ? { messageId: messageTs } : {}),
      },
      raw: {
        channelId: channel,
        ...(messageTs ? { messageTs } : {}),
        promptText: (body.message?.text ?? '').slice(0, 2500),
        ...(Array.isArray(body.message?.blocks) ? { promptBlocks: body.message.blocks } : {}),
      },
    },
  };
}

/**
 * Slack's message text → plain text: the bot mention is removed, other mentions,
 * channel links and URLs become readable, and HTML entities are decoded.
 */
export function cleanText(text: string, botUserId: string): string {
  return text
    .replace(new RegExp(`<@${escapeRegExp(botUserId)}(\\|[^>]*)?>`, 'g'), ' ')
    .replace(/<@([A-Z0-9]+)\|([^>]+)>/g, '@$2')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<!(here|channel|everyone)(\|[^>]*)?>/g, '@$1')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

function mentionsUser(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

function isDmChannel(event: SlackMessageEvent): boolean {
  return !event.channel_type && (event.channel ?? '').startsWith('D');
}

function senderName(event: SlackMessageEvent): { name?: string } {
  const profile = event.user_profile;
  const name = profile?.display_name || profile?.real_name || profile?.name;
  return name ? { name } : {};
}

function toAttachment(file: SlackFile): Attachment {
  const mime = file.mimetype ?? '';
  const kind = (['image', 'audio', 'video'] as const).find((k) => mime.startsWith(`${k}/`));
  return {
    kind: kind ?? (mime ? 'document' : 'other'),
    platformFileId: file.id,
    ...(file.mimetype ? { mimeType: file.mimetype } : {}),
    ...(file.name ? { fileName: file.name } : {}),
    ...(file.size !== undefined ? { size: file.size } : {}),
  };
}

/** `1712345678.123456` → ms since epoch. */
function slackTime(ts: string): number {
  const ms = Math.round(Number.parseFloat(ts) * 1000);
  return Number.isFinite(ms) ? ms : Date.now();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
