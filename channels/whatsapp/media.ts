/**
 * Downloads the media of an inbound WhatsApp message (image, voice note, video,
 * document) and turns it into an {@link Attachment}, between normalisation and
 * `sink.accept`:
 *
 *   normalize.ts (MediaInfo) ─► fetchAttachment ─► a file in the conversation's workspace
 *                                                 (images too: the agent reads them at turn time)
 *
 * Files over `maxBytes` are not downloaded (the size WhatsApp announces is checked
 * first, the real size after); the attachment then carries only its metadata and a
 * note for the agent explains why.
 */
import { basename, extname } from 'node:path';
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import type { Attachment } from '../../core/contract.js';
import type { WorkspaceFiles } from '../../core/stores.js';
import type { MediaInfo } from './normalize.js';
import type { WhatsAppSocket } from './socket.js';

/** Fetches and decrypts a media message's bytes. */
export type MediaDownloader = (
  raw: WAMessage,
  socket: WhatsAppSocket,
  log: Logger,
) => Promise<Buffer>;

export const baileysDownloader: MediaDownloader = (raw, socket, log) =>
  downloadMediaMessage(
    raw,
    'buffer',
    {},
    {
      reuploadRequest: (message) => socket.updateMediaMessage(message),
      logger: log,
    },
  );

export interface MediaContext {
  download: MediaDownloader;
  socket: WhatsAppSocket;
  log: Logger;
  maxBytes: number;
  files: WorkspaceFiles;
  conversationKey: string;
}

/** The attachment for `info`, plus a note for the agent when the file was left out. */
export async function fetchAttachment(
  raw: WAMessage,
  info: MediaInfo,
  context: MediaContext,
): Promise<{ attachment: Attachment; note?: string }> {
  const tooLarge = () => ({
    attachment: { ...info },
    note: `[${info.kind} not downloaded: larger than ${Math.round(context.maxBytes / 1024)} KiB]`,
  });
  if ((info.size ?? 0) > context.maxBytes) return tooLarge();
  let data: Buffer;
  try {
    data = await context.download(raw, context.socket, context.log);
  } catch (error) {
    context.log.warn({ err: error, kind: info.kind }, 'whatsapp: media download failed');
    return { attachment: { ...info }, note: `[${info.kind} could not be downloaded]` };
  }
  if (data.length > context.maxBytes) return tooLarge();
  const attachment: Attachment = { ...info, size: data.length };
  // Images too: the inbox row keeps the reference, the agent reads the file at turn time.
  const path = await context.files.saveInbound(context.conversationKey, fileName(raw, info), data);
  return { attachment: { ...attachment, path } };
}

const EXTENSIONS: Record<string, string> = {
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
};

/** A safe file name: message id plus the sender's name (sanitised) or a typed extension. */
function fileName(raw: WAMessage, info: MediaInfo): string {
  const id = (raw.key.id ?? 'media').replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
  if (info.fileName) {
    const base = basename(info.fileName.replace(/\\/g, '/'));
    const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
    return `${id}-${safe.slice(-80) || 'file'}`;
  }
  const type = info.mimeType?.split(';')[0]?.trim() ?? '';
  const ext = EXTENSIONS[type] ?? (extname(type) || '.bin');
  return `${id}-${info.kind}${ext}`;
}
