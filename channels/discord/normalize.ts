/**
 * Discord → {@link InboundMessage}: the raw→normalized step of the Discord channel.
 *
 *   gateway MESSAGE_CREATE / INTERACTION_CREATE ─► discord.js structures ─► here ─► sink.accept
 *
 * Pure functions over discord.js objects. They decide the chat type (DM or
 * server), the conversation (the channel; a thread is `threadId` under its parent,
 * so each thread is its own session), whether the bot is addressed (an `<@bot>`
 * mention in the text, a reply to one of its messages, or a message in a thread
 * the bot opened), and strip the bot mention from the text. Other user, role and
 * channel mentions are turned into readable names for the model.
 */
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  cleanContent,
  type Attachment as DiscordAttachment,
  type Message,
  type TextBasedChannel,
  type User,
} from 'discord.js';
import type { Attachment, InboundMessage } from '../../core/contract.js';
import { commandText } from './commands.js';

export interface NormalizeContext {
  /** The bot's own user id. */
  botId: string;
  /** Account name from config (part of the conversation key). */
  account: string;
}

interface Place {
  conversationId: string;
  threadId?: string;
}

const CHANNEL = 'discord';

/** Where a message sits: threads are addressed as `threadId` under their parent channel. */
export function placeOf(channel: TextBasedChannel | null, channelId: string): Place {
  if (channel?.isThread() && channel.parentId)
    return { conversationId: channel.parentId, threadId: channel.id };
  return { conversationId: channelId };
}

/** A text message, or `undefined` for the bot's own and system messages. */
export function normalizeMessage(
  message: Message,
  context: NormalizeContext,
): InboundMessage | undefined {
  if (message.author.id === context.botId || message.system) return undefined;
  // The bot, or its managed role (which Discord's autocomplete offers next to it).
  const role = message.guild?.roles.botRoleFor(context.botId)?.id;
  const mention = new RegExp(`<@!?${context.botId}>${role ? `|<@&${role}>` : ''}`, 'g');
  const mentionsBot = mention.test(message.content);
  const stripped = message.content
    .replace(mention, ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  const channel = message.channel;
  const inBotThread = channel.isThread() && channel.ownerId === context.botId;
  return {
    channel: CHANNEL,
    account: context.account,
    ...placeOf(channel, message.channelId),
    sender: senderOf(message.author, message.member?.displayName, message.webhookId !== null),
    chatType: message.inGuild() ? 'group' : 'dm',
    mentionsBot,
    repliesToBot: message.mentions.repliedUser?.id === context.botId || inBotThread,
    text: stripped ? cleanContent(stripped, channel) : '',
    attachments: [...message.attachments.values()].map(attachmentOf),
    platformMessageId: message.id,
    timestamp: message.createdTimestamp,
    ...(message.guildId ? { raw: { guildId: message.guildId } } : {}),
  };
}

/** A pressed button: `action.data` is the button's custom_id, `callbackId` the interaction id. */
export function normalizeButton(
  interaction: ButtonInteraction,
  context: NormalizeContext,
): InboundMessage {
  return {
    ...interactionBase(interaction, context),
    text: '',
    action: {
      data: interaction.customId,
      callbackId: interaction.id,
      messageId: interaction.message.id,
    },
  };
}

/** A slash command: `/ask text` becomes `text`, `/reset` becomes `/reset`. */
export function normalizeCommand(
  interaction: ChatInputCommandInteraction,
  context: NormalizeContext,
): InboundMessage {
  const text = commandText(interaction.commandName, interaction.options.getString('text'));
  return { ...interactionBase(interaction, context), text };
}

function interactionBase(
  interaction: ButtonInteraction | ChatInputCommandInteraction,
  context: NormalizeContext,
): Omit<InboundMessage, 'text'> {
  const member = interaction.member;
  const nick = member && 'displayName' in member ? member.displayName : undefined;
  return {
    channel: CHANNEL,
    account: context.account,
    ...placeOf(interaction.channel, interaction.channelId ?? interaction.user.id),
    sender: senderOf(interaction.user, nick, false),
    chatType: interaction.inGuild() ? 'group' : 'dm',
    mentionsBot: true,
    repliesToBot: false,
    attachments: [],
    platformMessageId: interaction.id,
    timestamp: interaction.createdTimestamp,
    ...(interaction.guildId ? { raw: { guildId: interaction.guildId } } : {}),
  };
}

function senderOf(
  user: User,
  nick: string | undefined,
  webhook: boolean,
): InboundMessage['sender'] {
  return {
    id: user.id,
    name: nick ?? user.globalName ?? user.username,
    isBot: user.bot || webhook,
  };
}

function attachmentOf(attachment: DiscordAttachment): Attachment {
  const mimeType = attachment.contentType ?? undefined;
  const family = mimeType?.split('/')[0];
  const kind =
    family === 'image' || family === 'audio' || family === 'video'
      ? family
      : mimeType
        ? 'document'
        : 'other';
  return {
    kind,
    ...(mimeType ? { mimeType } : {}),
    fileName: attachment.name,
    size: attachment.size,
    platformFileId: attachment.url,
  };
}
