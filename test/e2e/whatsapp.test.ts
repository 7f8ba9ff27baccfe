import type { WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { fixture, WhatsAppDouble } from '../doubles/whatsapp.js';
import { type Running, sleep, startParley, testConfig } from '../harness.js';

const ALICE_DM = '4917600000001@s.whatsapp.net';
const GROUP = '120363041234567890@g.us';

let counter = 0;
/** A captured message with a fresh id, optionally edited. */
function captured(name: string, edit: (m: WAMessage) => void = () => {}): WAMessage {
  const raw = fixture<{ messages: WAMessage[] }>(name).messages[0]!;
  raw.key.id = `3AE2E${(++counter).toString().padStart(15, '0')}`;
  edit(raw);
  return raw;
}

describe('WhatsApp end to end', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  const wa = new WhatsAppDouble({ autoOpen: true });

  const repliesTo = (jid: string) => wa.sent().filter((s) => s.jid === jid);
  const waitForReplies = async (jid: string, count: number) => {
    const deadline = Date.now() + 10_000;
    while (repliesTo(jid).length < count) {
      if (Date.now() > deadline)
        throw new Error(`no reply to ${jid}: ${JSON.stringify(wa.sent())}`);
      await sleep(10);
    }
    return repliesTo(jid);
  };

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' },
        access: { owners: ['whatsapp:4917600000001'] },
        tools: { policies: { get_time: 'ask' } },
        channels: {
          whatsapp: { enabled: true, rateLimits: { perChatMinMs: 0, messagesPerMinute: 6000 } },
        },
      }),
      { options: { seams: { whatsappSocketFactory: wa.factory } } },
    );
    const deadline = Date.now() + 5000;
    while (wa.current.user === undefined && Date.now() < deadline) await sleep(5);
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });

  it('answers a DM, rendered as WhatsApp formatting', async () => {
    llm.script.push({ text: 'The answer is **42**.', delayMs: 700 }); // long enough to show typing
    wa.current.upsert(fixture<{ messages: WAMessage[] }>('dm-text').messages);
    const [reply] = await waitForReplies(ALICE_DM, 1);
    expect(reply!.text).toBe('The answer is *42*.');
    const asked = llm.requests.at(-1)!.body.messages.at(-1)!;
    expect(JSON.stringify(asked.content)).toContain('hello parley');
    expect(wa.current.presence.some((p) => p.type === 'composing' && p.jid === ALICE_DM)).toBe(
      true,
    );
  });

  it('stays silent in a group unless mentioned or replied to', async () => {
    const before = llm.requests.length;
    wa.current.upsert([
      captured('group-mention', (m) => {
        m.message!.extendedTextMessage!.text = 'just talking among ourselves';
        m.message!.extendedTextMessage!.contextInfo = { mentionedJid: [] };
      }),
    ]);
    wa.current.upsert([captured('own-message')]);
    await sleep(300);
    expect(repliesTo(GROUP)).toHaveLength(0);
    expect(llm.requests.length).toBe(before);

    llm.script.push({ text: 'Paris.' });
    wa.current.upsert([captured('group-mention')]);
    const [first] = await waitForReplies(GROUP, 1);
    expect(first!.text).toBe('Paris.');
    expect(JSON.stringify(llm.requests.at(-1)!.body.messages.at(-1)!.content)).toContain(
      'what is the capital of France?',
    );

    llm.script.push({ text: 'Rome.' });
    wa.current.upsert([captured('group-reply-to-bot')]);
    const replies = await waitForReplies(GROUP, 2);
    expect(replies[1]!.text).toBe('Rome.');
  });

  it('asks the owner for approval with a reply code and runs the tool after `approve <id>`', async () => {
    const before = repliesTo(ALICE_DM).length;
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is time.' },
    );
    wa.current.upsert([captured('dm-text', (m) => (m.message!.conversation = 'what time is it?'))]);
    const prompt = (await waitForReplies(ALICE_DM, before + 1))[before]!;
    const id = /approve ([A-Z0-9]{4,})/.exec(prompt.text)?.[1];
    expect(id, prompt.text).toBeTruthy();
    wa.current.upsert([captured('dm-text', (m) => (m.message!.conversation = `approve ${id}`))]);
    const replies = await waitForReplies(ALICE_DM, before + 3);
    expect(replies.map((r) => r.text)).toContain('It is time.');
  });

  it('shows the pairing state to the admin page, behind the access token', async () => {
    const url = `${parley.app.url}/api/channels/whatsapp/qr`;
    expect((await fetch(url)).status).toBe(401);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${parley.app.token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ state: 'open', number: '4915112345678' });
    const channel = parley.app.channels.find((c) => c.id === 'whatsapp');
    expect(channel?.status?.().state).toBe('connected');
  });
});
