/**
 * Spoken replies: a finish step (agent/turn-context.ts) that, when the user sent a
 * voice note and the channel plays voice notes (`sendVoice`: Telegram, WhatsApp), has the
 * speech endpoint read the answer aloud and sends it as a voice note before the text.
 * Answers longer than `media.speech.maxChars` stay text only; Markdown marks are
 * dropped from what is spoken.
 */
import type { FinishStep } from '../turn-context.js';
import type { Speak } from './audio-client.js';
import type { SpeechConfig } from './config.js';

export function speechStep(config: SpeechConfig, speak: Speak): FinishStep {
  return async ({ message }, reply, { adapter, target }) => {
    if (!adapter.sendVoice || !message.attachments.some((a) => a.kind === 'audio')) return;
    const text = spokenText(reply);
    if (!text || text.length > config.maxChars) return;
    const audio = await speak(text);
    await adapter.sendVoice(target, { data: audio.data, mimeType: audio.mimeType ?? 'audio/ogg' });
  };
}

/** The answer without Markdown syntax (code fences, emphasis, links as their text). */
export function spokenText(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_~`#>|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
