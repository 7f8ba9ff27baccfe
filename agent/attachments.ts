/**
 * The one place where an inbound message's attachments become what the model sees,
 * for every channel (web chat uploads included):
 *
 * - the stored user text gets one note per attachment (`[attached document
 *   "report.pdf" saved at /workspace/…-report.pdf, 812 bytes]`), so tools can find the file
 *   in the workspace and later turns still know it was sent;
 * - the current turn's images go to the model as `image_url` parts (data URLs), read
 *   from the workspace `path` when the turn runs (never following a link), when
 *   within `maxImageBytes`. Channels save images as files, so an inbox row holds only
 *   the reference and a turn run again after a crash still has the image;
 *   `dataBase64` is still read for rows stored before images became files.
 *
 * Audio is turned into text earlier (agent/media/transcribe.ts), documents stay files.
 */
import { basename, dirname } from 'node:path';
import type OpenAI from 'openai';
import type { Attachment, InboundMessage } from '../core/contract.js';
import { Workspace } from '../sessions/workspace/index.js';

export type ImagePart = OpenAI.Chat.Completions.ChatCompletionContentPartImage;
export type UserContent = string | OpenAI.Chat.Completions.ChatCompletionContentPart[];

/** Largest image read from the workspace for the model (inlined ones are the adapter's call). */
export const DEFAULT_MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** The user's message as stored: the speaker's name in groups, the text, a note per attachment. */
export function userContent(message: InboundMessage): string {
  const notes = message.attachments.map(attachmentNote);
  const name =
    message.chatType === 'group' && message.sender.name ? `${message.sender.name}: ` : '';
  return [name + message.text, ...notes].filter(Boolean).join('\n');
}

export function attachmentNote(a: Attachment): string {
  const name = a.fileName ? ` "${a.fileName}"` : '';
  // Channels save inbound files at the workspace root; tools see it as /workspace.
  const where = a.path ? ` saved at /workspace/${basename(a.path)}` : '';
  const size = a.size ? `, ${a.size} bytes` : '';
  return `[attached ${a.kind}${name}${where}${size}]`;
}

/** The image parts of the current message, in order; an unreadable file is skipped. */
export async function imageParts(
  message: InboundMessage,
  maxImageBytes = DEFAULT_MAX_IMAGE_BYTES,
): Promise<ImagePart[]> {
  const parts: ImagePart[] = [];
  for (const image of message.attachments.filter((a) => a.kind === 'image')) {
    const data = image.dataBase64 ?? (await readImage(image, maxImageBytes));
    if (!data) continue;
    const url = `data:${image.mimeType ?? 'image/jpeg'};base64,${data}`;
    parts.push({ type: 'image_url', image_url: { url } });
  }
  return parts;
}

/** Text plus image parts, or the plain text when there are none. */
export function withImages(text: string, images: ImagePart[]): UserContent {
  if (images.length === 0) return text;
  return [{ type: 'text', text }, ...images];
}

async function readImage(image: Attachment, maxBytes: number): Promise<string | undefined> {
  if (!image.path || (image.size !== undefined && image.size > maxBytes)) return undefined;
  try {
    // The workspace is hostile: read through Workspace (no links, regular files only).
    const workspace = new Workspace(dirname(image.path), dirname(image.path));
    const { data, size } = await workspace.readFile(basename(image.path), maxBytes);
    return size > maxBytes ? undefined : data.toString('base64');
  } catch {
    return undefined;
  }
}
