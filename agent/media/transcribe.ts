/**
 * Voice notes become the user's message: a prepare step (agent/turn-context.ts) that,
 * for a message carrying audio (Telegram voice/audio, WhatsApp audio, Slack and
 * Discord audio files), reads each audio file (inlined, or from the workspace
 * without following links), sends it to the transcription endpoint and puts the
 * transcript where the text goes (after a caption, if any). The audio attachments
 * stay listed, so the model knows the words came from a voice note.
 *
 *   voice note ─► transcribe ─► text = transcript (+ echo "🎙 …" above the answer)
 *   no endpoint configured ─► a reply naming the setting to enable it
 */
import { basename, dirname } from 'node:path';
import type { Attachment, InboundMessage } from '../../core/contract.js';
import { Workspace } from '../../sessions/workspace/index.js';
import type { PrepareStep } from '../turn-context.js';
import type { AudioFile, Transcribe } from './audio-client.js';
import type { TranscriptionConfig } from './config.js';

export const NO_TRANSCRIPTION =
  'I got a voice note, but I cannot listen to it: no transcription endpoint is configured. ' +
  'The owner can enable it by setting media.transcription.baseUrl (PARLEY_TRANSCRIPTION_URL), ' +
  'e.g. https://api.openai.com/v1 with PARLEY_TRANSCRIPTION_API_KEY, or a local Whisper server. ' +
  'Until then, please type your message.';

export function transcriptionStep(
  config: TranscriptionConfig,
  transcribe: Transcribe | undefined,
): PrepareStep {
  return async ({ message }) => {
    const audio = message.attachments.filter((a) => a.kind === 'audio');
    if (audio.length === 0) return undefined;
    if (!transcribe) return message.text.trim() ? undefined : { reply: NO_TRANSCRIPTION };
    const transcripts: string[] = [];
    for (const attachment of audio) {
      const file = await readAudio(attachment, config.maxBytes);
      if (!file) return { reply: tooLarge(attachment, config.maxBytes) };
      try {
        transcripts.push(await transcribe(file, AbortSignal.timeout(config.timeoutMs)));
      } catch (error) {
        return {
          reply: `I could not transcribe your voice note (${(error as Error).message}). Please try again or type it.`,
        };
      }
    }
    const spoken = transcripts.filter(Boolean).join('\n');
    if (!spoken) return { reply: 'I could not make out any words in your voice note.' };
    const text = [message.text.trim(), spoken].filter(Boolean).join('\n');
    const next: InboundMessage = { ...message, text };
    return config.echo ? { message: next, echo: `🎙 “${spoken}”` } : { message: next };
  };
}

function tooLarge(attachment: Attachment, maxBytes: number): string {
  const size = attachment.size ? ` (${Math.round(attachment.size / 1024)} KB)` : '';
  return `Your voice note${size} could not be fetched or is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB I can transcribe. Please send a shorter one or type it.`;
}

async function readAudio(attachment: Attachment, maxBytes: number): Promise<AudioFile | undefined> {
  const mimeType = attachment.mimeType;
  if (attachment.dataBase64) {
    const data = Buffer.from(attachment.dataBase64, 'base64');
    return data.length <= maxBytes ? { data, ...(mimeType ? { mimeType } : {}) } : undefined;
  }
  if (!attachment.path) return undefined;
  try {
    const workspace = new Workspace(dirname(attachment.path), dirname(attachment.path));
    const { data, size } = await workspace.readFile(basename(attachment.path), maxBytes);
    return size <= maxBytes ? { data, ...(mimeType ? { mimeType } : {}) } : undefined;
  } catch {
    return undefined;
  }
}
