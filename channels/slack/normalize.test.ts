import { describe, expect, it } from 'vitest';
import { type FixtureName, loadFixture } from './fixtures.js';
import { cleanText, fromBlockActions, fromEvent } from './normalize.js';
import type { SlackBlockActionsBody, SlackEventEnvelope, SlackIdentity } from './types.js';

const bot: SlackIdentity = { teamId: 'T0001', botUserId: 'UBOT0001', botId: 'BBOT0001' };

const fixture = <T = SlackEventEnvelope>(name: FixtureName): T => loadFixture<T>(name);

const message = (name: FixtureName) => {
  const result = fromEvent(fixture(name), bot);
  if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
  return result.message;
};

const skipped = (name: FixtureName) => {
  const result = fromEvent(fixture(name), bot);
  return 'skip' in result ? result.skip : undefined;
};

describe('slack normalize', () => {
  it('turns an app_mention into a group message in its own thread, mention stripped', () => {
    const m = message('app_mention');
    expect(m).toMatchObject({
      channel: 'slack',
      account: 'T0001',
      conversationId: 'C0GENERAL',
      threadId: '1712345678.000100',
      chatType: 'group',
      mentionsBot: true,
      text: 'what is the capital of France?',
      platformMessageId: 'Ev0MENTION01',
      sender: { id: 'U0ALICE01' },
      timestamp: 1712345678000,
    });
  });

  it('turns an im message into a DM without a thread, decoding entities', () => {
    const m = message('message_im');
    expect(m).toMatchObject({
      chatType: 'dm',
      conversationId: 'D0ALICEDM',
      text: 'hello there & good morning',
    });
    expect(m.threadId).toBeUndefined();
  });

  it('keeps plain channel messages unaddressed and readable', () => {
    const m = message('message_channel');
    expect(m).toMatchObject({ chatType: 'group', mentionsBot: false, repliesToBot: false });
    expect(m.text).toBe('just chatting with @U0BOB0001 about the docs (https://example.com)');
  });

  it('marks a reply in a thread the bot started', () => {
    const reply = fixture('message_thread_reply');
    reply.event = { ...reply.event, parent_user_id: 'UBOT0001' };
    const normalized = fromEvent(reply, bot);
    expect('message' in normalized && normalized.message).toMatchObject({
      threadId: '1712345678.000100',
      repliesToBot: true,
      mentionsBot: false,
    });
  });

  it('leaves a reply in a thread a person started unaddressed (the adapter decides)', () => {
    const m = message('message_thread_reply');
    expect(m).toMatchObject({ threadId: '1712345678.000100', repliesToBot: false });
  });

  it('skips its own messages, other bots, edits and channel copies of mentions', () => {
    expect(skipped('message_own')).toBe('bot message');
    expect(skipped('message_bot')).toBe('bot message');
    expect(skipped('message_changed')).toMatch(/subtype|user/);
    const copy = fixture('app_mention');
    copy.event = { ...copy.event, type: 'message', channel_type: 'channel' };
    expect(fromEvent(copy, bot)).toEqual({ skip: 'mention (sent as app_mention)' });
    const own = fixture('message_im');
    own.event = { ...own.event, user: 'UBOT0001' };
    expect(fromEvent(own, bot)).toEqual({ skip: 'own message' });
  });

  it('turns block_actions into an action in the prompt thread', () => {
    const result = fromBlockActions(fixture<SlackBlockActionsBody>('block_actions'), bot);
    if ('skip' in result) throw new Error(result.skip);
    expect(result.message).toMatchObject({
      conversationId: 'C0GENERAL',
      threadId: '1712345678.000100',
      sender: { id: 'U0OWNER01', name: 'owner' },
      action: { data: 'approval:ABC123:approve', callbackId: 'parley_button_0' },
      raw: { channelId: 'C0GENERAL', messageTs: '1700000000.000002' },
      text: '',
    });
  });

  it('drops malformed payloads instead of throwing', () => {
    expect(fromEvent({ type: 'event_callback' } as SlackEventEnvelope, bot)).toHaveProperty('skip');
    expect(fromBlockActions({ type: 'block_actions', actions: [] } as never, bot)).toHaveProperty(
      'skip',
    );
  });

  it('cleans mentions, channels and specials', () => {
    expect(cleanText('<@UBOT0001|parley>  hi <#C1|general> <!here>', 'UBOT0001')).toBe(
      'hi #general @here',
    );
  });
});
