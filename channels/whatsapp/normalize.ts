/**
 * Raw Baileys `WAMessage` → Parley's {@link InboundMessage}: the inbound half of the
 * WhatsApp adapter, pure and replayable against captured payloads (fixtures/*.json).
 *
 *   messages.upsert (notify) ─► normalizeMessage ─► media download (media.ts) ─► sink.accept
 *
 * Dropped here (with a reason): the bot's own messages (`fromMe`), status broadcasts,
 * broadcast lists and newsletters, protocol/reaction messages and anything without
 * text or media. People are identified by phone number when WhatsApp tells it (the
 * `…Alt` fields carry the number when the main JID is a `@lid`), else by their LID.
 * In groups, `mentionsBot` comes from `contextInfo.mentionedJid` and `repliesToBot`
 * from the quoted participant; the `@<bot number>` mention is removed from the text.
 */
import {
  areJidsSameUser,
  getContentType,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  isPnUser,
  jidNormalizedUser,
  normalizeMessageContent,
  type proto,
  type WAMessage,
} from '@whiskeysockets/baileys';
import type { Attachment, InboundMessage } from '../../core/contract.js';

/** The linked account's own ids: phone-number JID and LID (either may be unknown). */
export interface BotIdentity {
  jid?: string | undefined;
  lid?: string | undefined;
}

/** A media attachment still to be downloaded. */
export interface MediaInfo {
  kind: Attachment['kind'];
  mimeType?: string;
  fileName?: string;
  size?: number;
}

export type Normalized = { message: InboundMessage; media?: MediaInfo } | { skip: string };

type Content = proto.IMessage;

/** Maps one upserted message, or says why it is skipped. */
export function normalizeMessage(raw: WAMessage, account: string, bot: BotIdentity): Normalized {
  const { key } = raw;
  const chat = key.remoteJid;
  if (!chat || !key.id) return { skip: 'no chat or id' };
  if (key.fromMe) return { skip: 'own message' };
  if (isJidStatusBroadcast(chat) || isJidBroadcast(chat) || isJidNewsletter(chat))
    return { skip: 'broadcast or newsletter' };
  const content = normalizeMessageContent(raw.message);
  if (!content || content.protocolMessage || content.reactionMessage)
    return { skip: 'no user content' };
  const media = mediaOf(content);
  const context = contextOf(content);
  const group = isJidGroup(chat) === true;
  const text = stripMention(textOf(content), bot);
  if (!text.trim() && !media) return { skip: 'no text or media' };
  const senderJid = pickPn(
    group ? (key.participant ?? undefined) : chat,
    group ? key.participantAlt : key.remoteJidAlt,
  );
  const message: InboundMessage = {
    channel: 'whatsapp',
    account,
    // A DM is keyed by the person's number when WhatsApp tells it, so the chat does not
    // split in two when it addresses the same person by LID one day and by number the next.
    conversationId: group || !senderJid ? chat : jidNormalizedUser(senderJid),
    sender: {
      id: senderId(senderJid ?? chat),
      ...(raw.pushName ? { name: raw.pushName } : {}),
    },
    chatType: group ? 'group' : 'dm',
    mentionsBot: (context?.mentionedJid ?? []).some((jid) => isBot(jid, bot)),
    repliesToBot: Boolean(context?.stanzaId) && isBot(context?.participant ?? undefined, bot),
    text,
    attachments: [],
    platformMessageId: key.id,
    timestamp: toNumber(raw.messageTimestamp) * 1000 || Date.now(),
  };
  return media ? { message, media } : { message };
}

/** Looks up the phone-number JID WhatsApp mapped to a LID (Baileys' `lidMapping`). */
export type LidLookup = (lid: string) => Promise<string | null | undefined>;

/**
 * When the sender is known only by LID (no `…Alt` field), asks the LID↔number mapping
 * Baileys keeps; a hit turns the sender (and a DM's conversation) into the number, so
 * the owner is recognised and one person keeps one chat. A miss leaves the LID.
 */
export async function resolveLid(message: InboundMessage, lookup: LidLookup): Promise<void> {
  const lid = message.sender.id;
  if (!lid.endsWith('@lid')) return;
  const pn = await lookup(lid).catch(() => undefined);
  if (!pn || !isPnUser(jidNormalizedUser(pn))) return;
  const jid = jidNormalizedUser(pn);
  message.sender.id = senderId(jid);
  if (message.chatType === 'dm') message.conversationId = jid;
}

/** Phone-number JID → its digits; a LID stays a full `…@lid` id. */
export function senderId(jid: string): string {
  const normal = jidNormalizedUser(jid);
  return isPnUser(normal) ? normal.split('@')[0]! : normal;
}

function pickPn(primary: string | undefined, alt: string | null | undefined): string | undefined {
  if (alt && isPnUser(alt)) return alt;
  return primary ?? alt ?? undefined;
}

function isBot(jid: string | undefined, bot: BotIdentity): boolean {
  if (!jid) return false;
  return areJidsSameUser(jid, bot.jid) || areJidsSameUser(jid, bot.lid);
}

function textOf(content: Content): string {
  return (
    content.conversation ??
    content.extendedTextMessage?.text ??
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.documentMessage?.caption ??
    ''
  );
}

function contextOf(content: Content): proto.IContextInfo | undefined {
  const type = getContentType(content);
  if (!type) return undefined;
  const inner = content[type];
  if (!inner || typeof inner !== 'object') return undefined;
  return (inner as { contextInfo?: proto.IContextInfo | null }).contextInfo ?? undefined;
}

/** Removes `@<number>` mentions of the bot (WhatsApp writes mentions as the user part). */
function stripMention(text: string, bot: BotIdentity): string {
  let out = text;
  for (const jid of [bot.jid, bot.lid]) {
    const user = jid ? jidNormalizedUser(jid).split('@')[0] : undefined;
    if (user) out = out.replaceAll(`@${user}`, ' ');
  }
  return out === text ? text : out.replace(/[ \t]{2,}/g, ' ').trim();
}

function mediaOf(content: Content): MediaInfo | undefined {
  const info = (
    kind: Attachment['kind'],
    m: { mimetype?: string | null; fileLength?: unknown; fileName?: string | null },
  ): MediaInfo => ({
    kind,
    ...(m.mimetype ? { mimeType: m.mimetype } : {}),
    ...(m.fileName ? { fileName: m.fileName } : {}),
    ...(m.fileLength != null ? { size: toNumber(m.fileLength) } : {}),
  });
  if (content.imageMessage) return info('image', content.imageMessage);
  if (content.audioMessage) return info('audio', content.audioMessage);
  if (content.videoMessage) return info('video', content.videoMessage);
  if (content.documentMessage) return info('document', content.documentMessage);
  return undefined;
}

/** Numbers arrive as number, protobuf Long, or string (in JSON captures). */
function toNumber(value: unknown): number {
  if (value == null) return 0;
  const n = Number(typeof value === 'object' ? String(value) : value);
  return Number.isFinite(n) ? n : 0;
}
