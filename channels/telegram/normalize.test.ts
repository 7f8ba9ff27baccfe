/**
 * Captured Telegram updates (fixtures/*.json) through the real normalizer.
 */
import { readFileSync } from 'node:fs';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { normalizeEdit, normalizeUpdate, serviceEvent } from './normalize.js';

const bot = { id: 123456, username: 'ParleyTestBot' };
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Update;
const normalize = (name: string) => normalizeUpdate(fixture(name), bot, 'default');

describe('telegram normalize', () => {
  it('maps a DM', () => {
    const { message } = normalize('dm')!;
    expect(message).toMatchObject({
      channel: 'telegram',
      account: 'default',
      conversationId: '111',
      chatType: 'dm',
      text: 'hello there',
      sender: { id: '111', name: 'Ada Lovelace' },
      platformMessageId: '111:17',
      timestamp: 1735689600000,
    });
    expect(message.threadId).toBeUndefined();
  });

  it('puts stickers, locations, contacts and videos in words instead of dropping them', () => {
    const text = (name: string) => normalize(name)!.message.text;
    expect(text('sticker')).toBe('[sticker 👍]');
    expect(text('location')).toBe('[location: 48.858844, 2.294351]');
    expect(text('contact')).toBe('[contact: Grace Hopper, +33123456789]');
    expect(text('video-note')).toMatch(/video, which Parley cannot watch yet/);
    expect(normalize('sticker')!.files).toEqual([]);
  });

  it('maps an edit to the message as it reads now, under the original platform id', () => {
    const edited = normalizeEdit(fixture('group-edit'), bot, 'default');
    expect(edited).toMatchObject({
      conversationId: '-1001234567890',
      chatType: 'group',
      mentionsBot: true,
      text: 'what is down',
      platformMessageId: '-1001234567890:53',
    });
    // An edit is not a new message, and a new message is not an edit.
    expect(normalizeUpdate(fixture('group-edit'), bot, 'default')).toBeUndefined();
    expect(normalizeEdit(fixture('group-mention'), bot, 'default')).toBeUndefined();
  });

  it('sets mentionsBot and strips the mention in a group', () => {
    const { message } = normalize('group-mention')!;
    expect(message).toMatchObject({ chatType: 'group', mentionsBot: true, text: 'what is up' });
  });

  it('does not treat a mention of another bot as addressed', () => {
    const { message } = normalize('group-plain')!;
    expect(message).toMatchObject({
      mentionsBot: false,
      repliesToBot: false,
      text: 'ask @OtherBot instead',
    });
  });

  it('recognises /cmd@ThisBot and strips the suffix', () => {
    const { message } = normalize('group-command')!;
    expect(message).toMatchObject({ mentionsBot: true, text: '/status' });
  });

  it('sets repliesToBot for a reply to the bot', () => {
    expect(normalize('group-reply')!.message.repliesToBot).toBe(true);
  });

  it('gives a forum topic its thread id, without counting the topic root as a reply', () => {
    const { message } = normalize('topic')!;
    expect(message).toMatchObject({
      threadId: '77',
      mentionsBot: true,
      repliesToBot: false,
      text: 'in the topic',
    });
  });

  it('gives General-topic messages no thread id even when they carry message_thread_id', () => {
    expect(normalize('general-topic')!.message.threadId).toBeUndefined();
  });

  it('maps a button press to an action', () => {
    const { message } = normalize('callback')!;
    expect(message).toMatchObject({
      conversationId: '111',
      chatType: 'dm',
      text: '',
      action: { data: 'approval:AB12CD:approve', callbackId: '4382bfdwdsb323b2d9' },
      platformMessageId: 'cb:4382bfdwdsb323b2d9',
    });
  });

  it('asks for the largest photo size and keeps the caption as text', () => {
    const normalized = normalize('photo')!;
    expect(normalized.message.text).toBe('what is this?');
    expect(normalized.files).toEqual([
      { fileId: 'AgACAgQAAxkBAAIBlarge', kind: 'image', mimeType: 'image/jpeg', size: 52000 },
    ]);
  });

  it('reports a supergroup migration and yields no message for it', () => {
    expect(serviceEvent(fixture('migrate'))).toEqual({
      type: 'migrate',
      from: '-4000000001',
      to: '-1004000000001',
    });
    expect(normalize('migrate')).toBeUndefined();
  });

  it('drops channel posts and malformed updates', () => {
    expect(normalize('channel-post')).toBeUndefined();
    expect(normalizeUpdate({ update_id: 1 } as Update, bot, 'default')).toBeUndefined();
  });
});
