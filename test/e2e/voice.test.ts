/**
 * Voice notes through the whole Parley on Telegram (polling the Bot API double):
 * without a transcription endpoint the user is told how to enable it; with one (the
 * OpenAI-compatible audio double) the voice note is downloaded, transcribed, the
 * transcript is the message the model answers and is shown back above the answer,
 * and a spoken reply goes out as a Telegram voice note (sendVoice); the same on
 * WhatsApp (audio message, PTT).
 */

import type { WAMessage } from '@whiskeysockets/baileys';
import { afterEach, expect, it } from 'vitest';
import { NO_TRANSCRIPTION } from '../../agent/media/transcribe.js';
import { type AudioDouble, startAudioDouble } from '../doubles/audio.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import {
  startTelegramDouble,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../doubles/telegram.js';
import { fixture, WhatsAppDouble } from '../doubles/whatsapp.js';
import { type Running, sleep, startParley, testConfig } from '../harness.js';

const OWNER = { id: 111, first_name: 'Ada' };
let llm: OpenAIDouble;
let telegram: TelegramDouble | undefined;
let audio: AudioDouble | undefined;
let parley: Running | undefined;

afterEach(async () => {
  await parley?.close();
  await telegram?.close();
  await llm?.close();
  await audio?.close();
  parley = audio = telegram = undefined;
});

async function start(media: Record<string, unknown>): Promise<TelegramDouble> {
  llm = await startOpenAIDouble();
  const tg = await startTelegramDouble();
  telegram = tg;
  parley = await startParley(
    testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test' },
      access: { owners: ['telegram:111'] },
      media,
      channels: {
        telegram: {
          enabled: true,
          token: TEST_TOKEN,
          apiRoot: tg.apiRoot,
          pollingTimeoutSeconds: 2,
        },
      },
    }),
  );
  return tg;
}

it('says how to enable transcription when no endpoint is configured', async () => {
  const tg = await start({});
  const fileId = tg.addFile(Buffer.from('OggS-voice-1'), 'voice/file_7.oga');
  tg.message({ chatId: 111, from: OWNER, voice: { fileId, size: 12, duration: 2 } });
  await waitUntil(() => tg.chat(111).length > 0);
  expect(tg.chat(111)[0]!.text).toBe(NO_TRANSCRIPTION);
  expect(NO_TRANSCRIPTION).toContain('PARLEY_TRANSCRIPTION_URL');
  expect(llm.requests).toEqual([]);
});

it('transcribes a voice note, answers the transcript, shows it back and speaks the answer', async () => {
  audio = await startAudioDouble({ 'OggS-voice-1': 'What is the capital of France?' });
  const tg = await start({
    transcription: { baseUrl: audio.baseUrl, apiKey: 'sk-audio-key-123', echo: true },
    speech: { enabled: true },
  });
  llm.script.push({ text: 'The capital of France is **Paris**.' });
  const fileId = tg.addFile(Buffer.from('OggS-voice-1'), 'voice/file_7.oga');
  tg.message({ chatId: 111, from: OWNER, voice: { fileId, size: 12, duration: 2 } });
  // The streamed draft is edited into the final reply, which starts with the transcript.
  await waitUntil(() => tg.voices.length > 0 && /^🎙/.test(tg.chat(111)[0]?.text ?? ''));

  const [transcribed, spoken] = audio.requests;
  expect(transcribed).toMatchObject({
    path: '/v1/audio/transcriptions',
    authorization: 'Bearer sk-audio-key-123',
    fields: { model: 'whisper-1' },
    file: { name: 'voice.ogg', type: 'audio/ogg' },
  });
  expect(transcribed!.file!.bytes.toString()).toBe('OggS-voice-1');
  const user = llm.requests[0]!.body.messages.at(-1)!;
  expect(String(user.content)).toMatch(/^What is the capital of France\?\n\[attached audio/);
  expect(tg.chat(111)[0]!.text).toContain('🎙 “What is the capital of France?”');
  expect(tg.chat(111)[0]!.text).toContain('Paris');
  expect(spoken).toMatchObject({
    path: '/v1/audio/speech',
    fields: {
      model: 'tts-1',
      voice: 'alloy',
      input: 'The capital of France is Paris.',
      response_format: 'opus',
    },
  });
  expect(tg.voices[0]).toMatchObject({ chatId: '111' });
  expect(tg.voices[0]!.data).toEqual(audio.speechBytes('The capital of France is Paris.'));
});

it('answers a WhatsApp voice note from its transcript, with a spoken reply (PTT)', async () => {
  audio = await startAudioDouble({ 'wa-voice-bytes': 'Remind me what day it is' });
  llm = await startOpenAIDouble();
  const wa = new WhatsAppDouble({ autoOpen: true });
  parley = await startParley(
    testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test' },
      access: { owners: ['whatsapp:4917600000001'] },
      media: { transcription: { baseUrl: audio.baseUrl, echo: true }, speech: { enabled: true } },
      channels: {
        whatsapp: { enabled: true, rateLimits: { perChatMinMs: 0, messagesPerMinute: 6000 } },
      },
    }),
    {
      options: {
        seams: {
          whatsappSocketFactory: wa.factory,
          whatsappMediaDownloader: async () => Buffer.from('wa-voice-bytes'),
        },
      },
    },
  );
  const deadline = Date.now() + 5000;
  while (wa.current.user === undefined && Date.now() < deadline) await sleep(5);
  llm.script.push({ text: 'It is Tuesday.' });
  wa.current.upsert(fixture<{ messages: WAMessage[] }>('voice-note').messages);
  const until = Date.now() + 10_000;
  while (wa.sent().length < 2 && Date.now() < until) await sleep(10);
  const [voice, text] = wa.sent();
  expect(voice!.content).toMatchObject({ mimetype: 'audio/ogg; codecs=opus', ptt: true });
  expect(Buffer.from((voice!.content as { audio: Buffer }).audio)).toEqual(
    audio.speechBytes('It is Tuesday.'),
  );
  expect(text!.text).toBe('🎙 “Remind me what day it is”\n\nIt is Tuesday.');
  expect(audio.requests[0]!.file).toMatchObject({ name: 'voice.ogg', type: 'audio/ogg' });
});
