/**
 * The shared store contract suite: every implementation of the stores in
 * `sessions/stores.ts` and `core/stores.ts` runs it: SQLite
 * (`sessions/sqlite/stores.test.ts`) and Postgres (`sessions/postgres/stores.test.ts`). It checks behaviour only through the interfaces, so an engine
 * passes it exactly when the bridge and agent can rely on it.
 *
 * @example
 * ```ts
 * storeContract('sqlite', { open: async () => sqliteDriver(tempDir()) })
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/contract.js';
import type { SessionInit, Stores } from '../../sessions/stores.js';

/** One data set under test; `reopen` closes it and opens the same data again (a restart). */
export interface StoreHandle {
  stores: Stores;
  reopen(): Promise<Stores>;
}

export interface StoreDriver {
  /** A fresh, empty data set. */
  open(): Promise<StoreHandle>;
}

export const inbound = (id: string, overrides: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'test',
  account: 'a',
  conversationId: 'c',
  sender: { id: 'u' },
  chatType: 'dm',
  mentionsBot: false,
  repliesToBot: false,
  text: `text ${id}`,
  attachments: [],
  platformMessageId: id,
  timestamp: 0,
  ...overrides,
});

const dm = (user: string): SessionInit => ({
  key: `test:a:${user}`,
  channel: 'test',
  conversationId: user,
  chatType: 'dm',
  userId: user,
});

const reply = (chunks: string[], sent = 0) => ({ chunks, sent, messageIds: [] as string[] });

export function storeContract(name: string, driver: StoreDriver): void {
  describe(`store contract: ${name}`, () => {
    let handle: StoreHandle;
    let stores: Stores;
    const restart = async () => {
      stores = await handle.reopen();
      return stores;
    };

    beforeEach(async () => {
      handle = await driver.open();
      stores = handle.stores;
    });
    afterEach(async () => {
      if (stores.open) await stores.close();
    });

    inboxContract(() => stores, restart);
    sessionContract(() => stores);
    accessContract(() => stores);
    approvalContract(() => stores);
    channelStoreContract(() => stores, restart);
  });
}

function inboxContract(get: () => Stores, restart: () => Promise<Stores>): void {
  describe('inbox', () => {
    it('accepts a message once per (channel, platform id), also after a restart', async () => {
      const { inbox } = get();
      expect((await inbox.accept(inbound('1'), 'k')).duplicate).toBe(false);
      expect((await inbox.accept(inbound('1'), 'k')).duplicate).toBe(true);
      expect((await inbox.accept(inbound('1', { channel: 'other' }), 'k')).duplicate).toBe(false);
      const reopened = await restart();
      const again = await reopened.inbox.accept(inbound('1'), 'k');
      expect(again.duplicate).toBe(true);
      expect(again.entry.message.text).toBe('text 1');
    });

    it('reclaims unfinished rows oldest first; attempts count only started turns', async () => {
      const { inbox } = get();
      const a = (await inbox.accept(inbound('a'), 'k')).entry;
      const b = (await inbox.accept(inbound('b'), 'k')).entry;
      const c = (await inbox.accept(inbound('c'), 'k')).entry;
      const d = (await inbox.accept(inbound('d'), 'k')).entry;
      await inbox.complete(a.id);
      await inbox.setReply(b.id, { ...reply(['one', 'two'], 1), messageIds: ['m1'] });
      await inbox.begin(c.id);
      const unfinished = await (await restart()).inbox.reclaim();
      expect(unfinished.map((e) => e.id)).toEqual([b.id, c.id, d.id]);
      expect(unfinished.map((e) => e.attempts)).toEqual([0, 1, 0]);
      expect(unfinished[0]!.state).toBe('replying');
      expect(unfinished[0]!.reply).toEqual({ chunks: ['one', 'two'], sent: 1, messageIds: ['m1'] });
      expect(unfinished[2]!.message.text).toBe('text d');
      // Reclaiming again (another restart) counts nothing for rows that never started.
      expect((await get().inbox.reclaim()).map((e) => e.attempts)).toEqual([0, 1, 0]);
    });

    it('freezes a reply with its turn, delivers chunk by chunk, then is done', async () => {
      const { inbox, sessions } = get();
      const session = await sessions.active(dm('u1'));
      const { entry } = await inbox.accept(inbound('x'), 'k');
      const turn = [
        { role: 'user' as const, content: 'q' },
        { role: 'assistant' as const, content: 'a' },
      ];
      await inbox.setReply(entry.id, reply(['p1', 'p2']), {
        sessionId: session.id,
        messages: turn,
      });
      expect((await inbox.get(entry.id))!.state).toBe('replying');
      expect((await sessions.transcript(session.id)).map((m) => [m.content, m.inboxId])).toEqual([
        ['q', entry.id],
        ['a', entry.id],
      ]);
      await inbox.updateReply(entry.id, { chunks: ['p1', 'p2'], sent: 1, messageIds: ['1'] });
      expect((await inbox.get(entry.id))!.reply!.sent).toBe(1);
      await inbox.complete(entry.id, { chunks: ['p1', 'p2'], sent: 2, messageIds: ['1', '2'] });
      const done = (await inbox.get(entry.id))!;
      expect(done.state).toBe('done');
      expect(done.reply!.messageIds).toEqual(['1', '2']);
      expect(await inbox.reclaim()).toEqual([]);
    });

    it('freezes a reply together with its turn, or not at all', async () => {
      const { inbox, sessions } = get();
      const { entry } = await inbox.accept(inbound('x'), 'k');
      const broken = { sessionId: 987_654, messages: [{ role: 'user' as const, content: 'q' }] };
      await expect(inbox.setReply(entry.id, reply(['hi']), broken)).rejects.toThrow();
      expect((await inbox.get(entry.id))!.state).toBe('pending');
      const session = await sessions.active(dm('u1'));
      expect(await sessions.transcript(session.id)).toEqual([]);
    });

    it('delivers a local-write reply (web outbox) in the transaction that freezes it', async () => {
      const { inbox, sessions, webOutbox } = get();
      const session = await sessions.active(dm('u1'));
      const { entry } = await inbox.accept(inbound('w'), 'k');
      const frozen = { ...reply(['part 1', 'part 2']), buttons: [{ label: 'Ok', data: 'ok' }] };
      const turn = { sessionId: session.id, messages: [{ role: 'user' as const, content: 'q' }] };
      const items = await inbox.setReplyDelivered(entry.id, frozen, turn, 'client-1');
      expect(items.map((i) => i.payload)).toEqual([
        { text: 'part 1' },
        { text: 'part 2', buttons: [{ label: 'Ok', data: 'ok' }] },
      ]);
      expect(await webOutbox.since('client-1', 0)).toEqual(items);
      const done = (await inbox.get(entry.id))!;
      expect([done.state, done.reply!.sent, done.reply!.messageIds]).toEqual([
        'done',
        2,
        items.map((i) => String(i.seq)),
      ]);
      expect(await sessions.transcript(session.id)).toHaveLength(1);
      const other = (await inbox.accept(inbound('w2'), 'k')).entry;
      const broken = { sessionId: 987_654, messages: [{ role: 'user' as const, content: 'q' }] };
      await expect(
        inbox.setReplyDelivered(other.id, reply(['x']), broken, 'client-2'),
      ).rejects.toThrow();
      expect((await inbox.get(other.id))!.state).toBe('pending');
      expect(await webOutbox.since('client-2', 0)).toEqual([]);
    });

    it('keeps only the ids of a message answered with silence', async () => {
      const { inbox } = get();
      const { entry } = await inbox.accept(inbound('g', { text: 'chatter in a group' }), 'k');
      await inbox.complete(entry.id);
      const kept = (await inbox.get(entry.id))!;
      expect(kept.message.text).toBe('');
      expect(kept.message.platformMessageId).toBe('g');
      expect((await inbox.accept(inbound('g'), 'k')).duplicate).toBe(true);
    });

    it('counts rows by state and prunes only finished rows past the retention', async () => {
      const { inbox } = get();
      const a = (await inbox.accept(inbound('a'), 'k')).entry;
      const b = (await inbox.accept(inbound('b'), 'k')).entry;
      await inbox.accept(inbound('c'), 'k');
      await inbox.complete(a.id);
      await inbox.fail(b.id, 'refused');
      expect(await inbox.counts()).toEqual({ pending: 1, replying: 0, done: 1, failed: 1 });
      expect(await inbox.prune(60_000)).toBe(0);
      expect(await inbox.prune(-1)).toBe(2);
      expect(await inbox.counts()).toEqual({ pending: 1, replying: 0, done: 0, failed: 0 });
    });
  });
}

function sessionContract(get: () => Stores): void {
  describe('sessions', () => {
    it('bounds history by message count and token budget, starting at a user message', async () => {
      const { sessions } = get();
      const session = await sessions.active(dm('u1'));
      for (let i = 0; i < 30; i++) {
        await sessions.add(session.id, {
          role: 'user',
          content: `question ${i} ${'x'.repeat(400)}`,
        });
        await sessions.add(session.id, { role: 'assistant', content: `answer ${i}` });
      }
      const byCount = await sessions.history(session.id, { maxMessages: 5, maxTokens: 100_000 });
      expect(byCount[0]!.role).toBe('user');
      expect(byCount.length).toBeLessThanOrEqual(5);
      expect(byCount.at(-1)!.content).toBe('answer 29');
      const byTokens = await sessions.history(session.id, { maxMessages: 100, maxTokens: 500 });
      expect(byTokens.length).toBeLessThan(10);
      expect(byTokens.reduce((sum, m) => sum + (m.content?.length ?? 0), 0) / 4).toBeLessThan(500);
    });

    it('counts the pending user message in the history limits, last', async () => {
      const { sessions } = get();
      const session = await sessions.active(dm('u1'));
      for (let i = 0; i < 5; i++)
        await sessions.addTurn(session.id, i, [
          { role: 'user', content: `q${i}` },
          { role: 'assistant', content: `a${i}` },
        ]);
      const next = { role: 'user' as const, content: 'now' };
      const history = await sessions.history(session.id, { maxMessages: 4, maxTokens: 1000 }, next);
      expect(history.map((m) => m.content)).toEqual(['q4', 'a4', 'now']);
      const tight = await sessions.history(session.id, { maxMessages: 40, maxTokens: 5 }, next);
      expect(tight.map((m) => m.content)).toEqual(['now']);
    });

    it('keeps one open session per key and starts a fresh one after end (/reset)', async () => {
      const { sessions } = get();
      const first = await sessions.active(dm('u1'));
      expect((await sessions.active(dm('u1'))).id).toBe(first.id);
      await sessions.add(first.id, { role: 'user', content: 'hello' });
      expect(await sessions.end(first.key)).toBe(true);
      expect(await sessions.end(first.key)).toBe(false);
      const second = await sessions.active(dm('u1'));
      expect(second.id).not.toBe(first.id);
      expect(await sessions.history(second.id, { maxMessages: 10, maxTokens: 1000 })).toEqual([]);
      expect((await sessions.get(first.id))!.endedAt).not.toBeNull();
    });

    it('stores a turn in order and drops what an interrupted run stored', async () => {
      const { sessions } = get();
      const session = await sessions.active(dm('u1'));
      await sessions.addTurn(session.id, 7, [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ]);
      await sessions.add(session.id, { role: 'user', content: 'interrupted', inboxId: 8 });
      await sessions.discardTurn(8);
      expect((await sessions.transcript(session.id)).map((m) => [m.content, m.inboxId])).toEqual([
        ['q', 7],
        ['a', 7],
      ]);
    });

    it('moves a conversation to a new id, key included', async () => {
      const { sessions } = get();
      const group = {
        key: 'test:a:-300',
        channel: 'test',
        conversationId: '-300',
        chatType: 'group' as const,
      };
      const before = await sessions.active(group);
      expect(await sessions.moveConversation('test', '-300', '-1009')).toBe(1);
      const moved = (await sessions.get(before.id))!;
      expect([moved.conversationId, moved.key]).toEqual(['-1009', 'test:a:-1009']);
      expect(
        (await sessions.active({ ...group, key: 'test:a:-1009', conversationId: '-1009' })).id,
      ).toBe(before.id);
    });

    it('lists sessions newest first with counts, and purges one', async () => {
      const { sessions } = get();
      const a = await sessions.active(dm('u1'));
      const b = await sessions.active(dm('u2'));
      await sessions.add(b.id, { role: 'user', content: 'hi' });
      const listed = await sessions.list({ limit: 10, offset: 0 });
      expect(listed.map((s) => [s.id, s.messages])).toEqual([
        [b.id, 1],
        [a.id, 0],
      ]);
      expect(await sessions.purgeSession(b.id)).toBe(true);
      expect(await sessions.get(b.id)).toBeUndefined();
      expect(await sessions.purgeSession(b.id)).toBe(false);
    });

    it('exports and purges one user (sessions, group messages, inbox), keeping others', async () => {
      const { sessions, inbox } = get();
      const mine = await sessions.active(dm('u1'));
      await sessions.add(mine.id, { role: 'user', content: 'my secret plan', senderId: 'u1' });
      await sessions.add(mine.id, {
        role: 'assistant',
        content: 'noted',
        toolCalls: [
          { id: 'c1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
        promptTokens: 12,
        completionTokens: 3,
      });
      const group = await sessions.active({
        key: 'test:a:g',
        channel: 'test',
        conversationId: 'g',
        chatType: 'group',
      });
      await sessions.add(group.id, { role: 'user', content: 'u1 in a group', senderId: 'u1' });
      await sessions.add(group.id, { role: 'user', content: 'someone else', senderId: 'u2' });
      await inbox.accept(inbound('m1', { sender: { id: 'u1' }, text: 'my secret plan' }), 'k');
      await inbox.accept(inbound('m2', { sender: { id: 'u2' } }), 'k');
      const exported = await sessions.exportUser('test', 'u1');
      expect(exported.sessions).toHaveLength(1);
      expect(exported.sessions[0]!.messages.map((m) => m.content)).toEqual([
        'my secret plan',
        'noted',
      ]);
      expect(exported.sessions[0]!.messages[1]!.toolCalls![0]!.function.name).toBe('get_time');
      expect(exported.messagesInGroups.map((m) => m.content)).toEqual(['u1 in a group']);
      expect(exported.inbox.map((m) => [m.platformMessageId, m.text])).toEqual([
        ['m1', 'my secret plan'],
      ]);
      expect(JSON.parse(JSON.stringify(exported)).userId).toBe('u1');
      expect(await sessions.usage(mine.id)).toEqual({
        promptTokens: 12,
        completionTokens: 3,
        messages: 2,
      });
      expect(await sessions.purgeUser('test', 'u1')).toEqual({
        sessions: 1,
        messages: 3,
        inbox: 1,
      });
      const after = await sessions.exportUser('test', 'u1');
      expect([after.sessions, after.inbox]).toEqual([[], []]);
      expect((await sessions.transcript(group.id)).map((m) => m.content)).toEqual(['someone else']);
      expect(await inbox.counts()).toMatchObject({ pending: 1 });
    });
  });
}

function accessContract(get: () => Stores): void {
  describe('access', () => {
    it('allows and revokes senders per channel', async () => {
      const { access } = get();
      expect(await access.isAllowed('telegram', '42')).toBe(false);
      await access.allow('telegram', '42');
      await access.allow('telegram', '42');
      expect(await access.isAllowed('telegram', '42')).toBe(true);
      expect(await access.isAllowed('slack', '42')).toBe(false);
      expect(await access.revoke('telegram', '42')).toBe(true);
      expect(await access.revoke('telegram', '42')).toBe(false);
      expect(await access.isAllowed('telegram', '42')).toBe(false);
    });

    it('gives a sender one pending code; approving it allows the sender', async () => {
      const { access } = get();
      const first = await access.requestPairing('telegram', '42', 'Ann', 60_000);
      expect(first.code).toMatch(/^[A-Z2-9]{8}$/);
      expect((await access.requestPairing('telegram', '42', 'Ann', 60_000)).code).toBe(first.code);
      const other = await access.requestPairing('telegram', '43', undefined, 60_000);
      expect((await access.pending()).map((r) => r.code)).toEqual([first.code, other.code]);
      const approved = await access.approve(` ${first.code.toLowerCase()} `);
      expect(approved).toMatchObject({ senderId: '42', senderName: 'Ann', status: 'approved' });
      expect(await access.isAllowed('telegram', '42')).toBe(true);
      expect(await access.approve(first.code)).toBeUndefined();
      expect(await access.reject(other.code)).toBe(true);
      expect(await access.reject(other.code)).toBe(false);
      expect(await access.pending()).toEqual([]);
    });

    it('does not approve an expired code', async () => {
      const { access } = get();
      const request = await access.requestPairing('telegram', '42', 'Ann', -1);
      expect(await access.pending()).toEqual([]);
      expect(await access.approve(request.code)).toBeUndefined();
      expect(await access.isAllowed('telegram', '42')).toBe(false);
    });
  });
}

function approvalContract(get: () => Stores): void {
  const request = (id: string, expiresAt: number) => ({
    id,
    callKey: `1:shell:${id}`,
    sessionId: 1,
    conversationKey: 'test:a:c',
    channel: 'test',
    target: { channel: 'test', account: 'a', conversationId: 'c' },
    tool: 'shell',
    args: '{"cmd":"ls"}',
    requestedBy: 'test:u',
    createdAt: Date.now(),
    expiresAt,
  });

  describe('approvals', () => {
    it('creates, finds and decides a request once', async () => {
      const { approvals } = get();
      const created = await approvals.create(request('AB12CD', Date.now() + 60_000));
      expect(created.status).toBe('pending');
      expect((await approvals.get('ab12cd'))!.target).toEqual(created.target);
      expect((await approvals.byCallKey('1:shell:AB12CD'))!.id).toBe('AB12CD');
      expect((await approvals.pending()).map((a) => a.id)).toEqual(['AB12CD']);
      expect(await approvals.decide('AB12CD', 'approved', 'test:owner')).toBe(true);
      expect(await approvals.decide('AB12CD', 'denied', 'test:owner')).toBe(false);
      expect(await approvals.get('AB12CD')).toMatchObject({
        status: 'approved',
        decidedBy: 'test:owner',
      });
      expect(await approvals.pending()).toEqual([]);
    });

    it('expires overdue requests only', async () => {
      const { approvals } = get();
      await approvals.create(request('OLD111', Date.now() - 1));
      await approvals.create(request('NEW222', Date.now() + 60_000));
      expect(await approvals.expireOverdue()).toEqual(['OLD111']);
      expect((await approvals.get('OLD111'))!.status).toBe('expired');
      expect((await approvals.pending()).map((a) => a.id)).toEqual(['NEW222']);
    });

    it('keeps per-session grants', async () => {
      const { approvals } = get();
      expect(await approvals.hasGrant(1, 'shell')).toBe(false);
      await approvals.grant(1, 'shell', 'test:owner');
      await approvals.grant(1, 'shell', 'test:owner');
      expect(await approvals.hasGrant(1, 'shell')).toBe(true);
      expect(await approvals.hasGrant(2, 'shell')).toBe(false);
    });
  });
}

function channelStoreContract(get: () => Stores, restart: () => Promise<Stores>): void {
  describe('meta, auth state and web outbox', () => {
    it('gets and sets meta values', async () => {
      const { meta } = get();
      expect(await meta.get('web.token')).toBeUndefined();
      await meta.set('web.token', 'one');
      await meta.set('web.token', 'two');
      expect(await (await restart()).meta.get('web.token')).toBe('two');
    });

    it('writes and clears auth state per namespace', () => {
      const stores = get();
      const wa = stores.authState('whatsapp:default');
      const other = stores.authState('whatsapp:other');
      wa.write([
        ['creds', '{"me":1}'],
        ['key:a', 'x'],
      ]);
      other.write([['creds', '{}']]);
      wa.write([
        ['key:a', null],
        ['key:b', 'y'],
      ]);
      expect([wa.get('creds'), wa.get('key:a'), wa.get('key:b'), wa.size()]).toEqual([
        '{"me":1}',
        undefined,
        'y',
        2,
      ]);
      expect(wa.clear()).toBe(2);
      expect([wa.size(), other.size()]).toEqual([0, 1]);
    });

    it('replays a client’s web messages after a sequence number', async () => {
      const { webOutbox } = get();
      const first = await webOutbox.add('client-1', { text: 'one' });
      await webOutbox.add('client-2', { text: 'elsewhere' });
      const second = await webOutbox.add('client-1', {
        text: 'two',
        buttons: [{ label: 'Ok', data: 'ok' }],
      });
      expect(second.seq).toBeGreaterThan(first.seq);
      expect((await webOutbox.since('client-1', 0)).map((i) => i.payload)).toEqual([
        { text: 'one' },
        { text: 'two', buttons: [{ label: 'Ok', data: 'ok' }] },
      ]);
      expect((await webOutbox.since('client-1', first.seq)).map((i) => i.seq)).toEqual([
        second.seq,
      ]);
      expect(await webOutbox.since('client-1', 0, 1)).toHaveLength(1);
    });

    it('prunes old web messages; sequence numbers never go back, also after a restart', async () => {
      const { webOutbox } = get();
      await webOutbox.add('client-1', { text: 'one' });
      const last = await webOutbox.add('client-1', { text: 'two' });
      expect(await webOutbox.prune(60_000)).toBe(0);
      expect(await webOutbox.prune(-1)).toBe(2);
      const reopened = await restart();
      const next = await reopened.webOutbox.add('client-1', { text: 'after a quiet week' });
      expect(next.seq).toBeGreaterThan(last.seq);
      expect(
        (await reopened.webOutbox.since('client-1', last.seq)).map((i) => i.payload.text),
      ).toEqual(['after a quiet week']);
    });
  });
}
