/**
 * Raw Telegram update → {@link InboundMessage}: the first step of Telegram's
 * inbound pipeline (update → normalize → download media → sink.accept).
 *
 * Decides, from the update alone, everything the router's group gating needs:
 * `mentionsBot` (an `@ThisBot` mention, a text mention of the bot, or
 * `/cmd@ThisBot`), `repliesToBot` (a reply to one of the bot's messages; the
 * implicit reply to a forum topic's creation message does not count), and the
 * thread (`message_thread_id` only when `is_topic_message`, so the General topic
 * and plain groups share the chat's session). The bot mention is stripped from
 * the text. Button presses (`callback_query`) become messages with `action`.
 * An edit (`edited_message`) is normalized the same way by `normalizeEdit`.
 * Anything else (channel posts, service messages) yields `undefined`.
 */
import type { CallbackQuery, Message, MessageEntity, Update } from 'grammy/types';
import type { Attachment, InboundMessage } from '../../core/contract.js';

export const CHANNEL_ID = 'telegram';

/** Who the bot is: needed to recognise mentions and replies. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** A file the adapter still has to download (see media.ts). */
export interface PendingFile {
  fileId: string;
  kind: Attachment['kind'];
  mimeType?: string;
  fileName?: string;
  size?: number;
}

export interface Normalized {
  message: InboundMessage;
  /** Files to fetch with getFile before the message is accepted. */
  files: PendingFile[];
}

/** What a service update asks the adapter to do besides (or instead of) a message. */
export type ServiceEvent = { type: 'migrate'; from: string; to: string };

/** Maps one update; `undefined` for updates Parley does not handle. */
export function normalizeUpdate(
  update: Update,
  bot: BotIdentity,
  account: string,
): Normalized | undefined {
  if (update.callback_query) return normalizeCallback(update.callback_query, account);
  return update.message ? normalizeMessage(update.message, bot, account) : undefined;
}

/**
 * An `edited_message` update: the message as it reads now, with the original's
 * platform id (the bridge replaces the text of a message still waiting for its turn).
 * `undefined` for other updates and for edits without text (a replaced photo: files
 * of an edit are not fetched again).
 */
export function normalizeEdit(
  update: Update,
  bot: BotIdentity,
  account: string,
): InboundMessage | undefined {
  const edited = update.edited_message;
  if (!edited) return undefined;
  const normalized = normalizeMessage(edited, bot, account);
  return normalized?.message.text ? normalized.message : undefined;
}

function normalizeMessage(
  message: Message,
  bot: BotIdentity,
  account: string,
): Normalized | undefined {
  if (!message.from) return undefined;
  const text = message.text ?? message.caption ?? describeContent(message) ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  const files = pendingFiles(message);
  if (!text && files.length === 0) return undefined;
  const mention = findMentions(text, entities, bot);
  return {
    message: {
      channel: CHANNEL_ID,
      account,
      conversationId: String(message.chat.id),
      ...threadOf(message),
      sender: {
        id: String(message.from.id),
        name: displayName(message.from),
        ...(message.from.is_bot ? { isBot: true } : {}),
      },
      chatType: message.chat.type === 'private' ? 'dm' : 'group',
      mentionsBot: mention.found,
      repliesToBot: repliesToBot(message, bot),
      text: mention.text,
      attachments: [],
      platformMessageId: `${message.chat.id}:${message.message_id}`,
      timestamp: message.date * 1000,
      ...(message.chat.type === 'private' ? {} : { quoteId: String(message.message_id) }),
    },
    files,
  };
}

/** A service event carried by the update (supergroup migration), if any. */
export function serviceEvent(update: Update): ServiceEvent | undefined {
  const message = update.message;
  if (message?.migrate_to_chat_id !== undefined)
    return {
      type: 'migrate',
      from: String(message.chat.id),
      to: String(message.migrate_to_chat_id),
    };
  return undefined;
}

function normalizeCallback(query: CallbackQuery, account: string): Normalized | undefined {
  const where = query.message;
  if (!query.data || !where) return undefined;
  const message: InboundMessage = {
    channel: CHANNEL_ID,
    account,
    conversationId: String(where.chat.id),
    ...('is_topic_message' in where ? threadOf(where) : {}),
    sender: { id: String(query.from.id), name: displayName(query.from) },
    chatType: where.chat.type === 'private' ? 'dm' : 'group',
    mentionsBot: false,
    repliesToBot: false,
    text: '',
    attachments: [],
    platformMessageId: `cb:${query.id}`,
    timestamp: Date.now(),
    action: {
      data: query.data,
      callbackId: query.id,
      ...('message_id' in where ? { messageId: String(where.message_id) } : {}),
    },
  };
  return { message, files: [] };
}

/** `threadId` only for real forum topics; General-topic and non-forum replies get none. */
function threadOf(message: Pick<Message, 'is_topic_message' | 'message_thread_id'>): {
  threadId?: string;
} {
  return message.is_topic_message && message.message_thread_id !== undefined
    ? { threadId: String(message.message_thread_id) }
    : {};
}

function displayName(user: { first_name: string; last_name?: string; username?: string }): string {
  return [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username || '';
}

function repliesToBot(message: Message, bot: BotIdentity): boolean {
  const reply = message.reply_to_message;
  if (!reply || reply.from?.id !== bot.id) return false;
  // In forum topics every message "replies" to the topic's creation message.
  return !(message.is_topic_message && reply.message_id === message.message_thread_id);
}

/** Finds mentions of the bot and removes them from the text. */
export function findMentions(
  text: string,
  entities: MessageEntity[],
  bot: BotIdentity,
): { found: boolean; text: string } {
  const handle = `@${bot.username}`.toLowerCase();
  const cuts: { offset: number; length: number }[] = [];
  let found = false;
  for (const entity of entities) {
    const part = text.slice(entity.offset, entity.offset + entity.length);
    if (entity.type === 'mention' && part.toLowerCase() === handle) {
      found = true;
      cuts.push(entity);
    } else if (entity.type === 'text_mention' && entity.user.id === bot.id) {
      found = true;
    } else if (entity.type === 'bot_command' && part.toLowerCase().endsWith(handle)) {
      found = true;
      cuts.push({ offset: entity.offset + part.length - handle.length, length: handle.length });
    }
  }
  let stripped = text;
  for (const cut of [...cuts].sort((a, b) => b.offset - a.offset))
    stripped = stripped.slice(0, cut.offset) + stripped.slice(cut.offset + cut.length);
  return { found, text: found ? stripped.replace(/[ \t]{2,}/g, ' ').trim() : text };
}

/** Photos (largest size), documents, voice notes and audio the message carries. */
/**
 * Messages without text or a file Parley downloads, put in words for the model, so
 * the user gets an answer instead of silence: a location or contact can be answered,
 * a sticker by its emoji, and a video is named as something Parley cannot watch yet.
 */
export function describeContent(message: Message): string | undefined {
  if (message.sticker) return `[sticker ${message.sticker.emoji ?? ''}]`.replace(' ]', ']');
  if (message.venue)
    return `[venue: ${message.venue.title}, ${message.venue.address} (${message.venue.location.latitude}, ${message.venue.location.longitude})]`;
  if (message.location)
    return `[location: ${message.location.latitude}, ${message.location.longitude}]`;
  if (message.contact) {
    const { first_name, last_name, phone_number } = message.contact;
    return `[contact: ${[first_name, last_name].filter(Boolean).join(' ')}, ${phone_number}]`;
  }
  if (message.poll)
    return `[poll: ${message.poll.question} — ${message.poll.options.map((o) => o.text).join(' / ')}]`;
  if (message.dice) return `[dice ${message.dice.emoji}: ${message.dice.value}]`;
  if (message.video || message.video_note || message.animation)
    return '[a video, which Parley cannot watch yet: tell the user so, briefly]';
  return undefined;
}

function pendingFiles(message: Message): PendingFile[] {
  const files: PendingFile[] = [];
  const photo = message.photo?.at(-1);
  if (photo)
    files.push({
      fileId: photo.file_id,
      kind: 'image',
      mimeType: 'image/jpeg',
      ...size(photo.file_size),
    });
  const doc = message.document;
  if (doc) {
    files.push({
      fileId: doc.file_id,
      kind: doc.mime_type?.startsWith('image/') ? 'image' : 'document',
      ...(doc.mime_type ? { mimeType: doc.mime_type } : {}),
      ...(doc.file_name ? { fileName: doc.file_name } : {}),
      ...size(doc.file_size),
    });
  }
  const voice = message.voice ?? message.audio;
  if (voice)
    files.push({
      fileId: voice.file_id,
      kind: 'audio',
      mimeType: voice.mime_type ?? 'audio/ogg',
      ...size(voice.file_size),
    });
  return files;
}

const size = (bytes: number | undefined) => (bytes !== undefined ? { size: bytes } : {});
