/**
 * Files the web chat page uploads before sending the message they belong to:
 *
 *   drop / paste / 📎 ─POST /web/upload?conversation=<id>&name=<file name>─► save()
 *     bytes ─► ctx.files.saveInbound (the conversation's workspace; the name is only
 *              a hint, never a path) ─► pending upload id
 *   message frame { attachments: [id] } ─► take() ─► InboundMessage.attachments
 *
 * The kind is read from the bytes (PNG, JPEG, GIF, WebP magic numbers), not from
 * the browser's type or name. Images reach the model as image parts, read from the
 * saved file when the turn runs (the inbox row keeps only the path). Pending uploads live in memory for an hour and
 * belong to one conversation; an id from another conversation or a restart is
 * refused with "attach the file again".
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Attachment } from '../../core/contract.js';
import type { WorkspaceFiles } from '../../core/stores.js';

export const MAX_UPLOAD = 10 * 1024 * 1024;
const TTL_MS = 3600_000;
const MAX_PENDING = 32;

export interface PendingUpload {
  conversationId: string;
  attachment: Attachment;
  /** How the chat shows it: the browser's name, reduced to a plain file name. */
  shown: ShownFile;
  at: number;
}

/** A file as the chat history shows it. */
export interface ShownFile {
  name: string;
  kind: Attachment['kind'];
  size: number;
}

/** What the page gets back for one upload. */
export interface UploadReceipt {
  id: string;
  name: string;
  kind: Attachment['kind'];
  size: number;
}

export class Uploads {
  private readonly pending = new Map<string, PendingUpload>();

  constructor(
    private readonly files: WorkspaceFiles,
    private readonly keyOf: (conversationId: string) => string,
    private readonly now = Date.now,
  ) {}

  /** Saves `data` into the conversation's workspace and keeps it for the next message. */
  async save(conversationId: string, name: string, data: Uint8Array): Promise<UploadReceipt> {
    const mimeType = sniffImage(data);
    const path = await this.files.saveInbound(this.keyOf(conversationId), name || 'file', data);
    const attachment: Attachment = {
      kind: mimeType ? 'image' : 'document',
      fileName: basename(path),
      size: data.length,
      path,
      ...(mimeType ? { mimeType } : {}),
    };
    this.expire();
    const id = randomBytes(12).toString('base64url');
    const shown = { name: shownName(name), kind: attachment.kind, size: data.length };
    this.pending.set(id, { conversationId, attachment, shown, at: this.now() });
    return { id, ...shown };
  }

  /**
   * The attachments behind `ids` (each used once), or the reason they cannot be
   * used. Nothing is taken when one id is unknown.
   */
  take(conversationId: string, ids: readonly string[]): PendingUpload[] | string {
    this.expire();
    const found = ids.map((id) => this.pending.get(id));
    if (found.some((p) => !p || p.conversationId !== conversationId))
      return 'an attached file is no longer waiting on the server: attach it again';
    for (const id of ids) this.pending.delete(id);
    return found as PendingUpload[];
  }

  private expire(): void {
    const cutoff = this.now() - TTL_MS;
    for (const [id, upload] of this.pending)
      if (upload.at < cutoff || this.pending.size > MAX_PENDING) this.pending.delete(id);
  }
}

/** The last component of a browser-given name, without control characters, at most 100 characters. */
export function shownName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.slice(0, 100) || 'file';
}

/** The image MIME type the bytes start with, or undefined. */
export function sniffImage(data: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  const ascii = (from: number, to: number) => String.fromCharCode(...data.subarray(from, to));
  if (data.length > 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
