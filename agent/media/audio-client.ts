/**
 * The OpenAI-compatible audio endpoints, through the official SDK: `transcribe`
 * (`POST /audio/transcriptions`, multipart) and `speak` (`POST /audio/speech`, Opus in
 * an Ogg container, what Telegram plays as a voice note). Each client is built from its
 * own section, never from the chat model's. The SDK is loaded at the first voice note.
 */
import type OpenAI from 'openai';
import type { SpeechConfig, TranscriptionConfig } from './config.js';

export interface AudioFile {
  data: Uint8Array;
  mimeType?: string;
}

export type Transcribe = (audio: AudioFile, signal?: AbortSignal) => Promise<string>;
export type Speak = (text: string) => Promise<AudioFile>;

/** File names the endpoints recognise by extension (Telegram's `.oga` is not one of them). */
const EXTENSIONS: [RegExp, string][] = [
  [/ogg|opus|oga/, 'ogg'],
  [/mpeg|mp3|mpga/, 'mp3'],
  [/mp4|m4a|aac/, 'm4a'],
  [/wav/, 'wav'],
  [/webm/, 'webm'],
  [/flac/, 'flac'],
];

export function uploadName(mimeType: string | undefined): string {
  const found = EXTENSIONS.find(([pattern]) => pattern.test(mimeType ?? ''));
  return `voice.${found?.[1] ?? 'ogg'}`;
}

/** An SDK client for one endpoint, created on first use. */
function lazyClient(options: { baseUrl: string; apiKey?: string | undefined; timeoutMs: number }) {
  let client: Promise<OpenAI> | undefined;
  return () =>
    (client ??= import('openai').then(
      ({ default: SDK }) =>
        new SDK({
          baseURL: options.baseUrl,
          apiKey: options.apiKey ?? 'none',
          timeout: options.timeoutMs,
          maxRetries: 1,
        }),
    ));
}

export function openAITranscriber(config: TranscriptionConfig & { baseUrl: string }): Transcribe {
  const client = lazyClient(config);
  return async (audio, signal) => {
    const { toFile } = await import('openai');
    const file = await toFile(audio.data, uploadName(audio.mimeType), {
      type: audio.mimeType?.split(';')[0] ?? 'audio/ogg',
    });
    const result = await (await client()).audio.transcriptions.create(
      { file, model: config.model, ...(config.language ? { language: config.language } : {}) },
      signal ? { signal } : {},
    );
    return result.text.trim();
  };
}

export function openAISpeaker(config: SpeechConfig & { baseUrl: string; apiKey?: string }): Speak {
  const client = lazyClient(config);
  return async (text) => {
    const response = await (await client()).audio.speech.create({
      model: config.model,
      voice: config.voice,
      input: text,
      response_format: 'opus',
    });
    return { data: new Uint8Array(await response.arrayBuffer()), mimeType: 'audio/ogg' };
  };
}
