/**
 * Fetches an attachment the platform only referenced (Slack `url_private_download`
 * with the bot token, a Discord CDN URL) between normalisation and `sink.accept`:
 *
 *   every file ─► saved in the conversation's workspace (`path`); the inbox row keeps
 *                 only the reference, and the agent reads an image from it at turn time
 *   an image over `maxImageBytes` ─► saved as a document (named to the model, not shown)
 *
 * The size the platform announced is checked first and the bytes read are capped
 * (a body longer than `maxBytes` is abandoned), the whole fetch is bounded by
 * `timeoutMs` (Slack wants its event acknowledged within 3 s). A file that is too
 * large or fails keeps its metadata only, so the model still learns it was sent; it
 * never throws. Credentials go in `headers` and are sent to that URL only, with
 * redirects refused (a redirect could carry the token elsewhere).
 */
import type { Attachment } from '../../core/contract.js';

export interface DownloadOptions {
  /** Largest file fetched, in bytes. */
  maxBytes: number;
  /** Largest image handed to the model as an image; larger ones are saved as documents. */
  maxImageBytes: number;
  timeoutMs: number;
  /** Saves a file into the message's conversation workspace; resolves with its path. */
  save: (fileName: string, data: Uint8Array) => Promise<string>;
  onError?: (error: unknown, attachment: Attachment) => void;
}

export async function downloadAttachment(
  attachment: Attachment,
  request: { url: string; headers?: Record<string, string> },
  options: DownloadOptions,
): Promise<Attachment> {
  if (attachment.size !== undefined && attachment.size > options.maxBytes) return attachment;
  try {
    const data = await fetchCapped(request, options);
    const path = await options.save(attachment.fileName ?? 'file', data);
    const tooLarge = attachment.kind === 'image' && data.length > options.maxImageBytes;
    return { ...attachment, ...(tooLarge ? { kind: 'document' } : {}), size: data.length, path };
  } catch (error) {
    options.onError?.(error, attachment);
    return attachment;
  }
}

async function fetchCapped(
  request: { url: string; headers?: Record<string, string> },
  options: Pick<DownloadOptions, 'maxBytes' | 'timeoutMs'>,
): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response = await fetch(request.url, {
    headers: request.headers ?? {},
    redirect: 'error',
    signal,
  });
  if (!response.ok) throw new Error(`file download failed with HTTP ${response.status}`);
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (announced > options.maxBytes) throw new Error(`file larger than ${options.maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.length;
    if (total > options.maxBytes) {
      await reader?.cancel();
      throw new Error(`file larger than ${options.maxBytes} bytes`);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}
