/**
 * Telegram end to end: a real Parley (polling the Bot API double) with the OpenAI
 * double as the model. Covers DMs, group gating, topics, chunking, 429, the parse
 * fallback, approvals by button, photos as vision input, /start pairing and
 * supergroup migration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/contract.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import {
  startTelegramDouble,
  TEST_BOT,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../../test/doubles/telegram.js';
import { type Running, startParley, testConfig } from '../../test/harness.js';
import { until } from '../../test/wait.js';

const OWNER = { id: 111, first_name: 'Ada' };
const MENTION = `@${TEST_BOT.username}`;

describe('telegram end to end (polling)', () => {
  let llm: OpenAIDouble;
  let tg: TelegramDouble;
  let parley: Running;
  /** The inbox row of `platformMessageId` as stored in parley.db. */
  const storedPayload = (platformMessageId: string): InboundMessage => {
    const db = new Database(join(parley.app.config.dataDir, 'parley.db'), { readonly: true });
    try {
      const row = db
        .prepare(`SELECT payload FROM inbox WHERE channel = 'telegram' AND platform_message_id = ?`)
        .get(platformMessageId) as { payload: string };
      return JSON.parse(row.payload) as InboundMessage;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    tg = await startTelegramDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test' },
        access: { owners: ['telegram:111'] },
        tools: { policies: { get_time: 'ask' } },
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
  });
  afterAll(async () => {
    await parley.close();
    await tg.close();
    await llm.close();
  });

  it('starts polling: clears the webhook and registers the commands', () => {
    expect(tg.count('deleteWebhook')).toBe(1);
    expect(tg.commands.map((c) => c.command)).toContain('help');
    expect(parley.app.channels.find((c) => c.id === 'telegram')?.status?.().state).toBe(
      'connected',
    );
  });

  it('answers a DM and shows typing', async () => {
    llm.script.push({ text: 'echo: hello', delayMs: 700 });
    tg.message({ chatId: 111, from: OWNER, text: 'hello' });
    await waitUntil(() => tg.chat(111).some((m) => m.text === 'echo: hello'));
    expect(tg.chatActions.some((a) => a.chatId === '111' && a.action === 'typing')).toBe(true);
  });

  it('ignores a group message without mention and answers a mention or a reply', async () => {
    tg.message({ chatId: -100, from: OWNER, text: 'just chatting' });
    tg.message({ chatId: -100, from: OWNER, text: `${MENTION} are you there` });
    await waitUntil(() => tg.chat(-100).length >= 1);
    tg.message({
      chatId: -100,
      from: OWNER,
      text: 'and this?',
      replyTo: { messageId: 1, fromBot: true },
    });
    await waitUntil(() => tg.chat(-100).length >= 2);
    await parley.app.bridge.drain();
    expect(tg.chat(-100).map((m) => m.text)).toEqual([
      'echo: Ada: are you there',
      'echo: Ada: and this?',
    ]);
    // In a group each answer quotes the message it answers (ids 2 and 4 in this chat).
    expect(tg.chat(-100).map((m) => m.replyToMessageId)).toEqual([2, 4]);
    expect(tg.chat(111).every((m) => m.replyToMessageId === undefined)).toBe(true);
    const asked = JSON.stringify(llm.requests.map((r) => r.body.messages));
    expect(asked).not.toContain('just chatting');
    // The ignored message is kept as ids only: enough to deduplicate, nothing it said.
    const ignored = storedPayload('-100:1');
    expect(JSON.stringify(ignored)).not.toContain('just chatting');
    expect(ignored).toMatchObject({ platformMessageId: '-100:1', text: '', attachments: [] });
    expect(ignored.sender).toEqual({ id: '111' });
  });

  it('routes a forum topic to its own session and answers the General topic without thread id', async () => {
    tg.message({ chatId: -200, from: OWNER, topicId: 7, text: `${MENTION} in topic seven` });
    await waitUntil(() => tg.chat(-200).length >= 1);
    tg.message({ chatId: -200, from: OWNER, looseThreadId: 1, text: `${MENTION} in general` });
    await waitUntil(() => tg.chat(-200).length >= 2);
    const [topic, general] = tg.chat(-200);
    expect(topic).toMatchObject({ threadId: 7, text: 'echo: Ada: in topic seven' });
    expect(general!.text).toBe('echo: Ada: in general');
    expect(general!.threadId).toBeUndefined();
    const last = JSON.stringify(llm.requests.at(-1)!.body.messages);
    expect(last).not.toContain('in topic seven');
  });

  it('splits a 10,000-character answer into ordered messages within 4096', async () => {
    const paragraphs = Array.from(
      { length: 40 },
      (_, i) => `Part ${i}: ${'lorem ipsum '.repeat(20)}`,
    );
    const long = paragraphs.join('\n\n').slice(0, 10_000);
    llm.script.push({ text: long });
    tg.message({ chatId: 112, from: { id: 111, first_name: 'Ada' }, text: 'write a lot' });
    await waitUntil(
      () =>
        tg
          .chat(112)
          .map((m) => m.text)
          .join('')
          .includes('Part 38'),
      20_000,
    );
    await parley.app.bridge.drain();
    const texts = tg.chat(112).map((m) => m.text);
    expect(texts.length).toBe(3);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(4096);
    const parts = texts
      .join('\n\n')
      .match(/Part \d+/g)!
      .map((p) => Number(p.slice(5)));
    expect(parts).toEqual(Array.from({ length: parts.length }, (_, i) => i));
    expect(texts.join('\n\n').replace(/\s+/g, ' ').trim()).toBe(long.replace(/\s+/g, ' ').trim());
  });

  it('honours a 429 retry_after before sending again', async () => {
    tg.failNext('sendMessage', { status: 429, retryAfter: 1 });
    tg.message({ chatId: 113, from: { id: 111, first_name: 'Ada' }, text: 'busy?' });
    await waitUntil(() => tg.chat(113).length === 1);
    const sends = tg.calls.filter(
      (c) => c.method === 'sendMessage' && String(c.body.chat_id) === '113',
    );
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('falls back to plain text when Telegram cannot parse the HTML', async () => {
    llm.script.push({ text: 'a **bold** move' });
    tg.failNext('sendMessage', {
      status: 400,
      description: "Bad Request: can't parse entities: x",
    });
    tg.message({ chatId: 114, from: { id: 111, first_name: 'Ada' }, text: 'style' });
    await waitUntil(() => tg.chat(114).length === 1);
    const sends = tg.calls.filter(
      (c) => c.method === 'sendMessage' && String(c.body.chat_id) === '114',
    );
    expect(sends[0]!.body).toMatchObject({ parse_mode: 'HTML', text: 'a <b>bold</b> move' });
    expect(sends[1]!.body.parse_mode).toBeUndefined();
    expect(tg.chat(114)[0]!.text).toBe('a bold move');
  });

  it('asks approval with inline buttons and runs the tool when the owner presses Approve', async () => {
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is noon.' },
    );
    tg.message({ chatId: 111, from: OWNER, text: 'what time is it' });
    await waitUntil(() => tg.sent.some((m) => m.replyMarkup && m.chatId === '111'));
    const prompt = tg.sent.find((m) => m.replyMarkup && m.chatId === '111')!;
    const approve = prompt.replyMarkup!.inline_keyboard.flat().find((b) => b.text === 'Approve')!;
    expect(approve.callback_data).toMatch(/^approval:[A-Z0-9]+:approve$/);
    const callbackId = tg.press(prompt, approve.callback_data, OWNER);
    await waitUntil(() => tg.chat(111).some((m) => m.text === 'It is noon.'));
    await waitUntil(() => tg.callbackAnswers.some((a) => a.id === callbackId));
    const toolResult = llm.requests.at(-1)!.body.messages.find((m) => m.role === 'tool');
    expect(String(toolResult?.content)).not.toMatch(/denied/);
    // decided: the keyboard is gone, and a second (stale) press only gets a toast
    await waitUntil(
      () => tg.sent.find((m) => m.messageId === prompt.messageId)!.replyMarkup === undefined,
    );
    const inChat = tg.chat(111).length;
    const again = tg.press(prompt, approve.callback_data, OWNER);
    await waitUntil(() => tg.callbackAnswers.some((a) => a.id === again));
    expect(tg.callbackAnswers.find((a) => a.id === again)?.text).toMatch(/already approved/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tg.chat(111)).toHaveLength(inChat);
  });

  it('gives a photo to the model as an image part', async () => {
    const fileId = tg.addFile(Buffer.from('fake-jpeg-bytes'), 'photos/file_1.jpg');
    const sent = tg.message({
      chatId: 111,
      from: OWNER,
      caption: 'what is this',
      photo: { fileId, size: 15 },
    });
    await waitUntil(() => tg.chat(111).some((m) => m.text.startsWith('echo: what is this')));
    const user = llm.requests.at(-1)!.body.messages.at(-1)!;
    const parts = user.content as { type: string; image_url?: { url: string } }[];
    const image = parts.find((p) => p.type === 'image_url');
    expect(image?.image_url?.url).toBe(
      `data:image/jpeg;base64,${Buffer.from('fake-jpeg-bytes').toString('base64')}`,
    );
    // The stored inbox row keeps a reference to the saved file, never the bytes.
    const { message_id } = sent.message as { message_id: number };
    const stored = storedPayload(`111:${message_id}`);
    const payload = JSON.stringify(stored);
    expect(payload).not.toContain(Buffer.from('fake-jpeg-bytes').toString('base64'));
    expect(payload).not.toContain('dataBase64');
    const [attachment] = stored.attachments;
    expect(attachment).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', size: 15 });
    expect(readFileSync(attachment!.path!, 'utf8')).toBe('fake-jpeg-bytes');
  });

  it('saves a document into the workspace and tells the model where', async () => {
    const fileId = tg.addFile(Buffer.from('a,b\n1,2\n'), 'documents/file_2.csv');
    tg.message({
      chatId: 111,
      from: OWNER,
      caption: 'read this',
      document: { fileId, size: 8, fileName: 'data.csv', mimeType: 'text/csv' },
    });
    await waitUntil(() =>
      llm.requests.some((r) => JSON.stringify(r.body.messages).includes('data.csv')),
    );
    const content = JSON.stringify(llm.requests.at(-1)!.body.messages.at(-1)!.content);
    expect(content).toMatch(/saved at .*data\.csv/);
  });

  it('answers the edited text of a message waiting behind a running turn; an edit after the answer gets none', async () => {
    const inboxText = async (text: string) =>
      (await parley.app.bridge.inbox.reclaim()).some((e) => e.message.text === text);
    llm.script.push({ text: 'slow answer', delayMs: 1500 });
    const first = tg.message({ chatId: 116, from: OWNER, text: 'a slow question' });
    await waitUntil(() => JSON.stringify(llm.requests).includes('a slow question'));
    const second = tg.message({ chatId: 116, from: OWNER, text: 'what is 2+2?' });
    await until(() => inboxText('what is 2+2?'));
    const id = (update: Record<string, unknown>) =>
      (update.message as { message_id: number }).message_id;
    tg.editMessage(116, id(second), 'what is 3+3?');
    await until(() => inboxText('what is 3+3?'));
    await waitUntil(() => tg.chat(116).some((m) => m.text === 'echo: what is 3+3?'));
    expect(tg.chat(116).map((m) => m.text)).toEqual(['slow answer', 'echo: what is 3+3?']);
    // Both are answered now: editing them changes nothing; a later message shows
    // the edits were handled (updates of one chat are handled in order).
    const requests = llm.requests.length;
    tg.editMessage(116, id(first), 'a different question');
    tg.editMessage(116, id(second), 'what is 4+4?');
    tg.message({ chatId: 116, from: OWNER, text: 'ping' });
    await waitUntil(() => tg.chat(116).length === 3);
    await parley.app.bridge.drain();
    expect(tg.chat(116).map((m) => m.text)).toEqual([
      'slow answer',
      'echo: what is 3+3?',
      'echo: ping',
    ]);
    expect(llm.requests).toHaveLength(requests + 1);
    const asked = JSON.stringify(llm.requests.map((r) => r.body.messages));
    expect(asked).not.toMatch(/2\+2|4\+4|a different question/);
  });

  it('answers /start from an unknown user with the pairing explanation', async () => {
    tg.message({ chatId: 555, from: { id: 555, first_name: 'Stranger' }, text: '/start' });
    await waitUntil(() => tg.chat(555).length === 1);
    expect(tg.chat(555)[0]!.text).toMatch(/pairing code is [A-Z0-9]+/);
  });

  it('moves the session when a group migrates to a supergroup', async () => {
    tg.message({ chatId: -300, from: OWNER, text: `${MENTION} remember me` });
    await waitUntil(() => tg.chat(-300).length === 1);
    tg.message({ chatId: -300, from: OWNER, migrateTo: -1009999 });
    const moved = async () =>
      (await parley.app.sessions.list({ limit: 100, offset: 0 })).filter(
        (s) => s.conversationId === '-1009999',
      ).length;
    await until(async () => (await moved()) === 1);
  });
});
