/**
 * Media in: the step between normalize and `sink.accept` for messages carrying
 * files. Each file is fetched with `getFile` + the file download URL, within a size
 * cap (Bot API downloads stop at 20 MB). Every file, images included, is saved into
 * the conversation's workspace and referenced by `path`, so the inbox row holds only
 * that reference (the agent reads an image from it when the turn runs, also when it
 * runs again after a crash; the router adds a note to the user message).
 * A file that is too large or fails to download becomes an attachment without
 * data, so the model still learns that something was sent.
 */
import { basename } from 'node:path';
import type { Api } from 'grammy';
import type { Attachment } from '../../core/contract.js';
import type { PendingFile } from './normalize.js';

export interface MediaOptions {
  /** Largest file fetched, in bytes. */
  maxBytes: number;
  /** Saves a file into the message's conversation workspace; resolves with its path. */
  save: (fileName: string, data: Uint8Array) => Promise<string>;
  /** `https://api.telegram.org/file/bot<token>/<path>` for a `file_path`. */
  fileUrl: (filePath: string) => string;
  onError?: (error: unknown, file: PendingFile) => void;
}

/** Downloads `files` into attachments (never throws). */
export async function fetchAttachments(
  api: Api,
  files: PendingFile[],
  options: MediaOptions,
): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const file of files) out.push(await fetchOne(api, file, options));
  return out;
}

async function fetchOne(api: Api, file: PendingFile, options: MediaOptions): Promise<Attachment> {
  const base: Attachment = {
    kind: file.kind,
    platformFileId: file.fileId,
    ...(file.mimeType ? { mimeType: file.mimeType } : {}),
    ...(file.fileName ? { fileName: file.fileName } : {}),
    ...(file.size !== undefined ? { size: file.size } : {}),
  };
  if (file.size !== undefined && file.size > options.maxBytes) return base;
  try {
    const info = await api.getFile(file.fileId);
    if (!info.file_path || (info.file_size ?? 0) > options.maxBytes) return base;
    const data = await download(options.fileUrl(info.file_path), options.maxBytes);
    const name = safeName(file.fileName ?? basename(info.file_path));
    const path = await options.save(`${Date.now()}-${name}`, data);
    return { ...base, size: data.length, path };
  } catch (error) {
    options.onError?.(error, file);
    return base;
  }
}

async function download(url: string, maxBytes: number): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`file download failed with HTTP ${response.status}`);
  const data = Buffer.from(await response.arrayBuffer());
  if (data.length > maxBytes) throw new Error(`file larger than ${maxBytes} bytes`);
  return data;
}

function safeName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 80) || 'file'
  );
}
