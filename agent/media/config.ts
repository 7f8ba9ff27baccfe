/**
 * Config section `media`: the speech endpoints, configured apart from the chat model
 * (a local Whisper server can transcribe while the chat goes to another provider).
 * `transcription` turns voice notes into the user's message (OpenAI-compatible
 * `POST /audio/transcriptions`); `speech` optionally answers a voice note with a
 * spoken reply (`POST /audio/speech`) on channels that play voice notes (Telegram, WhatsApp).
 */
import { z } from 'zod';

export const transcriptionSchema = z
  .object({
    baseUrl: z
      .string()
      .url()
      .optional()
      .meta({ env: 'PARLEY_TRANSCRIPTION_URL', example: 'https://api.openai.com/v1' })
      .describe(
        'OpenAI-compatible base URL for /audio/transcriptions (OpenAI, or a local Whisper server); voice notes are transcribed when set.',
      ),
    apiKey: z
      .string()
      .optional()
      .meta({ env: 'PARLEY_TRANSCRIPTION_API_KEY', secret: true })
      .describe('API key of the transcription endpoint (local servers accept any value).'),
    model: z.string().min(1).default('whisper-1').describe('Transcription model.'),
    language: z
      .string()
      .optional()
      .describe('ISO-639-1 language of the voice notes (improves accuracy); detected when unset.'),
    echo: z
      .boolean()
      .default(false)
      .describe('Show the transcript back above the answer, so the user sees what was understood.'),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(25 * 1024 * 1024)
      .describe('Largest voice note sent for transcription (OpenAI accepts up to 25 MB).'),
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('Time one transcription may take.'),
  })
  .strict()
  .prefault({});

export const speechSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Answer a voice note with a spoken reply too (channels that play voice notes: Telegram, WhatsApp).',
      ),
    baseUrl: z
      .string()
      .url()
      .optional()
      .meta({ env: 'PARLEY_SPEECH_URL', example: 'https://api.openai.com/v1' })
      .describe(
        'OpenAI-compatible base URL for /audio/speech (default: the transcription endpoint).',
      ),
    apiKey: z
      .string()
      .optional()
      .meta({ env: 'PARLEY_SPEECH_API_KEY', secret: true })
      .describe('API key of the speech endpoint (default: the transcription key).'),
    model: z.string().min(1).default('tts-1').describe('Speech model.'),
    voice: z.string().min(1).default('alloy').describe('Voice name.'),
    maxChars: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(1500)
      .describe('Longer answers are not spoken (text only).'),
    timeoutMs: z.number().int().min(1000).default(60_000).describe('Time one synthesis may take.'),
  })
  .strict()
  .prefault({});

export const mediaSchema = z
  .object({ transcription: transcriptionSchema, speech: speechSchema })
  .strict()
  .prefault({});

export type MediaConfig = z.infer<typeof mediaSchema>;
export type TranscriptionConfig = z.infer<typeof transcriptionSchema>;
export type SpeechConfig = z.infer<typeof speechSchema>;
