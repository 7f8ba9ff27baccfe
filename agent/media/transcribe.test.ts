import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/contract.js';
import { type AudioDouble, startAudioDouble } from '../../test/doubles/audio.js';
import { tempDir } from '../../test/harness.js';
import { openAITranscriber, uploadName } from './audio-client.js';
import { transcriptionSchema } from './config.js';
import { NO_TRANSCRIPTION, transcriptionStep } from './transcribe.js';

const message = (attachments: InboundMessage['attachments'], text = ''): InboundMessage => ({
  channel: 'whatsapp',
  account: 'default',
  conversationId: '4915@s.whatsapp.net',
  sender: { id: '4915' },
  chatType: 'dm',
  mentionsBot: false,
  repliesToBot: false,
  text,
  attachments,
  platformMessageId: 'x',
  timestamp: 0,
});
const scope = (m: InboundMessage) => ({
  message: m,
  principal: 'whatsapp:4915',
  conversationKey: 'k',
});

describe('voice notes to text', () => {
  let audio: AudioDouble;
  beforeAll(async () => {
    audio = await startAudioDouble({ 'voice-bytes': 'buy milk', 'second-note': 'and eggs' });
  });
  afterAll(() => audio.close());
  const config = () => transcriptionSchema.parse({ baseUrl: audio.baseUrl, maxBytes: 1024 });
  const step = () =>
    transcriptionStep(config(), openAITranscriber({ ...config(), baseUrl: audio.baseUrl }));

  it('transcribes every audio attachment, inlined or in the workspace, after the caption', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ab12-voice.ogg'), 'second-note');
    const outcome = await step()(
      scope(
        message(
          [
            {
              kind: 'audio',
              mimeType: 'audio/ogg; codecs=opus',
              dataBase64: Buffer.from('voice-bytes').toString('base64'),
            },
            { kind: 'audio', mimeType: 'audio/mpeg', path: join(dir, 'ab12-voice.ogg') },
          ],
          'shopping:',
        ),
      ),
    );
    expect(outcome).toMatchObject({ message: { text: 'shopping:\nbuy milk\nand eggs' } });
    expect(audio.requests.slice(-2).map((r) => r.file?.name)).toEqual(['voice.ogg', 'voice.mp3']);
  });

  it('leaves messages without audio alone and answers audio without an endpoint with the fix', async () => {
    const none = transcriptionStep(transcriptionSchema.parse({}), undefined);
    expect(await none(scope(message([], 'hi')))).toBeUndefined();
    expect(await none(scope(message([{ kind: 'audio', dataBase64: 'AA==' }])))).toEqual({
      reply: NO_TRANSCRIPTION,
    });
  });

  it('refuses a linked or oversized file and reports endpoint failures as replies', async () => {
    const dir = tempDir();
    symlinkSync('/etc/passwd', join(dir, 'link.ogg'));
    writeFileSync(join(dir, 'big.ogg'), 'x'.repeat(2048));
    for (const path of [join(dir, 'link.ogg'), join(dir, 'big.ogg')]) {
      const outcome = await step()(scope(message([{ kind: 'audio', path }])));
      expect(outcome).toMatchObject({
        reply: expect.stringContaining('could not be fetched or is larger'),
      });
    }
    const broken = transcriptionStep(
      config(),
      openAITranscriber({ ...config(), baseUrl: `${audio.baseUrl}/nowhere` }),
    );
    const failed = await broken(scope(message([{ kind: 'audio', dataBase64: 'AA==' }])));
    expect(failed).toMatchObject({
      reply: expect.stringMatching(/^I could not transcribe your voice note \(404/),
    });
  });

  it('names uploads by their type, as the endpoint reads the format from the name', () => {
    expect(
      ['audio/ogg', 'audio/opus', 'audio/mpeg', 'audio/mp4', 'audio/x-wav', undefined].map(
        uploadName,
      ),
    ).toEqual(['voice.ogg', 'voice.ogg', 'voice.mp3', 'voice.m4a', 'voice.wav', 'voice.ogg']);
  });
});
