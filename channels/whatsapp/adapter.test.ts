import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WAMessage } from '@whiskeysockets/baileys';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Sender } from '../../bridge/outbound/sender.js';
import type { InboundMessage } from '../../core/contract.js';
import { NetworkError } from '../../core/errors.js';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import { fixture, WhatsAppDouble } from '../../test/doubles/whatsapp.js';
import { tempDir } from '../../test/harness.js';
import { until as poll } from '../../test/wait.js';
import { WhatsAppChannel } from './adapter.js';
import { whatsappSchema } from './config.js';

const until = (condition: () => boolean, timeoutMs = 3000) => poll(condition, timeoutMs);

type Upsert = { messages: WAMessage[]; type: 'notify' | 'append' };

async function setup(config: Record<string, unknown> = {}) {
  const dataDir = tempDir();
  const db = openDatabase(join(dataDir, 'parley.db'));
  const wa = new WhatsAppDouble({ autoOpen: true });
  const downloads: string[] = [];
  const channel = new WhatsAppChannel({
    config: whatsappSchema.parse({ enabled: true, ...config }),
    files: workspaceFiles(dataDir),
    authStore: new AuthStateStore(db, 'whatsapp:default'),
    log: pino({ level: 'silent' }),
    socketFactory: wa.factory,
    download: async (raw) => {
      downloads.push(raw.key.id!);
      return Buffer.from(`bytes of ${raw.key.id}`);
    },
  });
  const received: InboundMessage[] = [];
  await channel.start({
    accept: async (message) => {
      received.push(message);
      return { duplicate: false };
    },
  });
  await until(() => channel.status().state === 'connected');
  const inject = (name: string, type?: 'notify' | 'append') => {
    const upsert = fixture<Upsert>(name);
    wa.current.upsert(upsert.messages, type ?? upsert.type);
  };
  /** Waits until the adapter processed everything injected so far. */
  const drained = async () => {
    inject('dm-text'); // a marker: dropped as a duplicate after the first time
    await new Promise((resolve) => setTimeout(resolve, 30));
  };
  return { channel, wa, received, inject, drained, downloads, dataDir, db };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('WhatsApp adapter inbound', () => {
  it('normalises a DM and sends a read receipt after accepting it', async () => {
    const { channel, wa, received, inject } = await setup();
    stop = () => channel.stop();
    inject('dm-text');
    await until(() => received.length === 1);
    expect(received[0]).toMatchObject({
      channel: 'whatsapp',
      account: 'default',
      conversationId: '4917600000001@s.whatsapp.net',
      sender: { id: '4917600000001', name: 'Alice' },
      chatType: 'dm',
      mentionsBot: false,
      repliesToBot: false,
      text: 'hello parley',
      platformMessageId: '3A5F0C2B9E8D4A7B1C60',
      timestamp: 1763791200_000,
    });
    await until(() => wa.current.read.length === 1);
    expect(wa.current.read[0]!.id).toBe('3A5F0C2B9E8D4A7B1C60');
  });

  it('flags group mentions (stripping them) and replies to the bot; plain messages stay unflagged', async () => {
    const { channel, received, inject } = await setup();
    stop = () => channel.stop();
    inject('group-mention');
    inject('group-plain');
    inject('group-reply-to-bot');
    await until(() => received.length === 3);
    const [mention, plain, reply] = received;
    expect(mention).toMatchObject({
      chatType: 'group',
      conversationId: '120363041234567890@g.us',
      sender: { id: '4917600000001' },
      mentionsBot: true,
      repliesToBot: false,
      text: 'what is the capital of France?',
    });
    expect(plain).toMatchObject({ chatType: 'group', mentionsBot: false, repliesToBot: false });
    expect(plain!.sender.id).toBe('4917600000002');
    expect(reply).toMatchObject({ mentionsBot: false, repliesToBot: true, text: 'and of Italy?' });
  });

  it('answers messages WhatsApp queued while Parley was offline (upsert type append)', async () => {
    const { channel, wa, received } = await setup();
    stop = () => channel.stop();
    const queued = fixture<Upsert>('dm-text').messages[0]!;
    queued.key.id = '3A0000000000OFFLINE01';
    queued.messageTimestamp = Math.floor(Date.now() / 1000) - 3600; // sent an hour ago
    wa.current.upsert([queued], 'append');
    await until(() => received.length > 0);
    expect(received[0]).toMatchObject({ platformMessageId: '3A0000000000OFFLINE01' });
  });

  it('keys a person by number whether WhatsApp addresses them by LID or by number', async () => {
    const { channel, wa, received, inject } = await setup();
    stop = () => channel.stop();
    const byLid = fixture<Upsert>('dm-text').messages[0]!;
    byLid.key = {
      remoteJid: '20811223344556@lid',
      remoteJidAlt: '4917600000001@s.whatsapp.net',
      fromMe: false,
      id: '3A0000000000VIALIDALT',
    };
    inject('dm-text'); // addressed by number
    wa.current.upsert([byLid]); // the same person, addressed by LID with the number beside it
    await until(() => received.length === 2);
    expect(received.map((m) => [m.conversationId, m.sender.id])).toEqual([
      ['4917600000001@s.whatsapp.net', '4917600000001'],
      ['4917600000001@s.whatsapp.net', '4917600000001'],
    ]);
  });

  it("maps a LID without its number through Baileys' LID mapping, and keeps an unknown LID", async () => {
    const { channel, wa, received, inject } = await setup();
    stop = () => channel.stop();
    inject('dm-lid'); // no mapping known yet: the LID is the only id there is
    await until(() => received.length === 1);
    expect(received[0]).toMatchObject({
      conversationId: '20811223344556@lid',
      sender: { id: '20811223344556@lid' },
    });
    wa.lidToNumber.set('20811223344556', '4917600000001');
    const again = fixture<Upsert>('dm-lid').messages[0]!;
    again.key.id = '3A0000000000LIDMAPPED';
    wa.current.upsert([again]);
    await until(() => received.length === 2);
    expect(received[1]).toMatchObject({
      conversationId: '4917600000001@s.whatsapp.net',
      sender: { id: '4917600000001' },
      text: 'hello from my LID',
    });
  });

  it('never delivers own messages, status broadcasts, stale offline messages, or duplicates', async () => {
    const { channel, received, inject, drained } = await setup();
    stop = () => channel.stop();
    inject('own-message');
    inject('status-broadcast');
    inject('history-append');
    inject('dm-text', 'append');
    inject('group-plain');
    inject('group-plain');
    await drained();
    await drained();
    expect(received.map((m) => m.platformMessageId)).toEqual([
      '3A9B8C7D6E5F40312233',
      '3A5F0C2B9E8D4A7B1C60',
    ]);
  });

  it('saves images, voice notes and documents in the workspace (no base64 in the message)', async () => {
    const { channel, received, inject, dataDir } = await setup();
    stop = () => channel.stop();
    inject('image');
    inject('voice-note');
    inject('document');
    await until(() => received.length === 3);
    const [image, voice, doc] = received;
    expect(image!.text).toBe('what is this?');
    expect(image!.attachments[0]).toMatchObject({ kind: 'image', mimeType: 'image/jpeg' });
    expect(image!.attachments[0]!.dataBase64).toBeUndefined();
    expect(image!.attachments[0]!.path!.startsWith(join(dataDir, 'workspaces'))).toBe(true);
    expect(readFileSync(image!.attachments[0]!.path!, 'utf8')).toBe(
      'bytes of 3A7E1A6E0000IMAGE001',
    );
    const audio = voice!.attachments[0]!;
    expect(audio).toMatchObject({ kind: 'audio', mimeType: 'audio/ogg; codecs=opus' });
    expect(audio.path!.startsWith(join(dataDir, 'workspaces'))).toBe(true);
    expect(audio.path!.endsWith('.ogg')).toBe(true);
    expect(readFileSync(audio.path!, 'utf8')).toBe('bytes of 3A7E1A6E0000VOICE001');
    const document = doc!.attachments[0]!;
    expect(doc!.text).toBe('please summarise');
    expect(document.path!).toMatch(/3A7E1A6E00000DOC0001-invoice_2025\.pdf$/);
    expect(existsSync(document.path!)).toBe(true);
  });

  it('does not download media over the size cap and tells the agent', async () => {
    const { channel, received, inject, downloads } = await setup({ maxMediaBytes: 1000 });
    stop = () => channel.stop();
    inject('document');
    await until(() => received.length === 1);
    expect(downloads).toEqual([]);
    expect(received[0]!.attachments[0]).toMatchObject({ kind: 'document', size: 120422 });
    expect(received[0]!.attachments[0]!.path).toBeUndefined();
    expect(received[0]!.text).toContain('not downloaded');
  });
});

describe('WhatsApp adapter outbound', () => {
  it('sends text, keeps it for getMessage, and shows composing', async () => {
    const { channel, wa } = await setup();
    stop = () => channel.stop();
    const target = { account: 'default', conversationId: '4917600000001@s.whatsapp.net' };
    await channel.typing(target);
    const sent = await channel.send(target, { text: '*hi*', format: 'whatsapp' });
    expect(wa.sent()).toMatchObject([
      { jid: target.conversationId, text: '*hi*', id: sent.messageId },
    ]);
    expect(wa.current.presence).toEqual([{ type: 'composing', jid: target.conversationId }]);
    const stored = await wa.current.options.getMessage({ id: sent.messageId });
    expect(stored?.extendedTextMessage?.text).toBe('*hi*');
  });

  it('sends a reply piece under an id derived from its delivery key: sent again, it is one message', async () => {
    const { channel, wa } = await setup();
    stop = () => channel.stop();
    const target = { account: 'default', conversationId: '4917600000001@s.whatsapp.net' };
    const piece = {
      text: 'the answer',
      format: 'whatsapp',
      delivery: { key: '1f.m9.0', resumed: false },
    };
    const first = await channel.send(target, piece);
    const again = await channel.send(target, {
      ...piece,
      delivery: { key: '1f.m9.0', resumed: true },
    });
    const next = await channel.send(target, {
      ...piece,
      delivery: { key: '1f.m9.1', resumed: false },
    });
    const plain = await channel.send(target, { text: 'a prompt', format: 'whatsapp' });
    expect(again.messageId).toBe(first.messageId);
    expect(first.messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(new Set([first.messageId, next.messageId, plain.messageId]).size).toBe(3);
    expect(wa.sent()).toHaveLength(4);
    expect(wa.received().map((m) => m.text)).toEqual(['the answer', 'the answer', 'a prompt']);
  });

  it('caches group metadata for Baileys', async () => {
    const { channel, wa } = await setup();
    stop = () => channel.stop();
    const jid = '120363041234567890@g.us';
    const first = await wa.current.options.cachedGroupMetadata(jid);
    const second = await wa.current.options.cachedGroupMetadata(jid);
    expect(first?.subject).toBe('Parley testers');
    expect(second).toBe(first);
    expect(wa.groupMetadataCalls).toBe(1);
  });

  it('fails with a retryable NetworkError while disconnected', async () => {
    const { channel, wa } = await setup();
    stop = () => channel.stop();
    wa.current.close(428);
    const error = await channel
      .send(
        { account: 'default', conversationId: 'x@s.whatsapp.net' },
        { text: 'x', format: 'plain' },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('throttles: a minimum gap per chat and a per-minute budget per group', async () => {
    const { channel, wa } = await setup({
      rateLimits: { perChatMinMs: 300, groupMessagesPerMinute: 2, messagesPerMinute: 6000 },
    });
    stop = () => channel.stop();
    expect(channel.capabilities.rateLimits).toEqual({
      perConversationMinMs: 300,
      perGroup: { max: 2, windowMs: 60_000 },
      global: { max: 6000, windowMs: 60_000 },
    });
    const sender = new Sender(channel);
    const dm = {
      account: 'default',
      conversationId: '4917600000001@s.whatsapp.net',
      chatType: 'dm' as const,
    };
    for (const text of ['one', 'two', 'three']) void sender.sendChunk(dm, text);
    await until(() => wa.sent().length === 3);
    const times = wa.sent().map((s) => s.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(200); // 300 ms minus scheduling slack
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(200); // 300 ms minus scheduling slack
    const group = {
      account: 'default',
      conversationId: '120363041234567890@g.us',
      chatType: 'group' as const,
    };
    for (const text of ['g1', 'g2', 'g3']) void sender.sendChunk(group, text).catch(() => {});
    await until(() => wa.sent().filter((s) => s.jid === group.conversationId).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(
      wa
        .sent()
        .filter((s) => s.jid === group.conversationId)
        .map((s) => s.text),
    ).toEqual(['g1', 'g2']);
  });
});
