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
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../../core/contract.js';
import type { NewJob, NewUsage, SessionInit, Stores } from '../../sessions/stores.js';

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
    usageContract(() => stores, restart);
    jobContract(() => stores, restart);
    memoryContract(() => stores, restart);
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

    it('applies an edit only while the turn has not started', async () => {
      const { inbox } = get();
      const edit = (text: string) => ({ text, mentionsBot: true, repliesToBot: false });
      const waiting = (await inbox.accept(inbound('w', { chatType: 'group' }), 'k')).entry;
      expect(await inbox.edit('test', 'w', edit('fixed typo'))).toBe(waiting.id);
      const edited = (await (await restart()).inbox.get(waiting.id))!.message;
      expect(edited).toMatchObject({ text: 'fixed typo', mentionsBot: true, chatType: 'group' });
      expect(edited.platformMessageId).toBe('w');
      const { inbox: reopened } = get();
      const started = (await reopened.accept(inbound('s'), 'k')).entry;
      await reopened.begin(started.id);
      const answered = (await reopened.accept(inbound('a'), 'k')).entry;
      await reopened.setReply(answered.id, reply(['hi']));
      const silent = (await reopened.accept(inbound('q'), 'k')).entry;
      await reopened.complete(silent.id);
      for (const id of ['s', 'a', 'q', 'unknown'])
        expect(await reopened.edit('test', id, edit('too late'))).toBeUndefined();
      expect(await reopened.edit('other', 'w', edit('wrong channel'))).toBeUndefined();
      expect((await reopened.get(started.id))!.message.text).toBe('text s');
      expect((await reopened.get(answered.id))!.message.text).toBe('text a');
      expect((await reopened.get(silent.id))!.message.text).toBe('');
    });

    it('freezes a batch on its last row and marks the others done in that transaction, or not at all', async () => {
      const { inbox, sessions } = get();
      const session = await sessions.active(dm('u1'));
      const [a, b, c] = [
        (await inbox.accept(inbound('a'), 'k')).entry,
        (await inbox.accept(inbound('b'), 'k')).entry,
        (await inbox.accept(inbound('c'), 'k')).entry,
      ];
      const broken = { sessionId: 987_654, messages: [{ role: 'user' as const, content: 'q' }] };
      await expect(inbox.setReply(c.id, reply(['x']), broken, [a.id, b.id])).rejects.toThrow();
      expect((await inbox.reclaim()).map((e) => e.state)).toEqual([
        'pending',
        'pending',
        'pending',
      ]);
      const turn = {
        sessionId: session.id,
        messages: [{ role: 'user' as const, content: 'a\nb\nc' }],
      };
      await inbox.setReply(c.id, reply(['abc']), turn, [a.id, b.id]);
      const rows = await (await restart()).inbox.reclaim();
      expect(rows.map((e) => [e.id, e.state])).toEqual([[c.id, 'replying']]);
      const merged = (await get().inbox.get(a.id))!;
      expect([merged.state, merged.message.text, merged.reply]).toEqual(['done', '', undefined]);
      expect((await get().inbox.accept(inbound('b'), 'k')).duplicate).toBe(true);
    });

    it('delivers a batch locally, or completes it silently, marking every row done', async () => {
      const { inbox } = get();
      const [a, b, c, d] = await Promise.all(
        ['a', 'b', 'c', 'd'].map(async (id) => (await inbox.accept(inbound(id), 'k')).entry),
      );
      const items = await inbox.setReplyDelivered(b!.id, reply(['ab']), undefined, 'client-1', [
        a!.id,
      ]);
      expect(items).toHaveLength(1);
      await inbox.complete(d!.id, undefined, [c!.id]);
      expect(await inbox.reclaim()).toEqual([]);
      expect(await inbox.counts()).toMatchObject({ pending: 0, replying: 0, done: 4 });
    });

    it('takes back the attempt of a run interrupted on purpose, never below zero', async () => {
      const { inbox } = get();
      const { entry } = await inbox.accept(inbound('i'), 'k');
      await inbox.begin(entry.id);
      await inbox.begin(entry.id);
      await inbox.interrupted(entry.id);
      expect((await inbox.get(entry.id))!.attempts).toBe(1);
      await inbox.interrupted(entry.id);
      await inbox.interrupted(entry.id);
      expect((await inbox.get(entry.id))!.attempts).toBe(0);
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

    it("reads a session's last activity as the time of its newest message", async () => {
      const { sessions } = get();
      const session = await sessions.active(dm('u-last'));
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(1_000_000);
        await sessions.add(session.id, { role: 'user', content: 'first', senderId: 'u-last' });
        vi.setSystemTime(2_000_000);
        await sessions.add(session.id, { role: 'assistant', content: 'second' });
      } finally {
        vi.useRealTimers();
      }
      expect((await sessions.active(dm('u-last'))).lastAt).toBe(2_000_000);
    });

    it('stores a summary: history leaves its messages out, transcript and export keep them', async () => {
      const { sessions } = get();
      const session = await sessions.active(dm('u1'));
      expect(session.lastAt ?? null).toBeNull();
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          await sessions.add(session.id, { role: 'user', content: `q${i}`, senderId: 'u1' }),
        );
        ids.push(await sessions.add(session.id, { role: 'assistant', content: `a${i}` }));
      }
      await sessions.setSummary(session.id, 'They asked q0 and q1.', ids[3]!);
      const limits = { maxMessages: 40, maxTokens: 10_000 };
      const history = await sessions.history(session.id, limits);
      expect(history.map((m) => m.content)).toEqual(['q2', 'a2']);
      expect(history[0]!.id).toBe(ids[4]);
      const again = await sessions.active(dm('u1'));
      expect(again.summary).toMatchObject({ text: 'They asked q0 and q1.', throughId: ids[3] });
      expect(again.lastAt).toBeGreaterThan(0);
      expect((await sessions.transcript(session.id)).length).toBe(6);
      const exported = await sessions.exportUser('test', 'u1');
      expect(exported.sessions[0]!.summary?.text).toBe('They asked q0 and q1.');
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

    it('searches sessions by key or user id, with paging; % and _ match themselves', async () => {
      const { sessions } = get();
      const ann = await sessions.active(dm('ann_1'));
      const bob = await sessions.active(dm('bob'));
      const annie = await sessions.active(dm('annie'));
      const ids = async (search: string, limit = 10, offset = 0) =>
        (await sessions.list({ limit, offset, search })).map((s) => s.id);
      expect(await ids('ann')).toEqual([annie.id, ann.id]);
      expect(await ids('ann', 1, 1)).toEqual([ann.id]);
      expect(await ids('n_1')).toEqual([ann.id]);
      expect(await ids('%')).toEqual([]);
      expect(await ids('test:a:bob')).toEqual([bob.id]);
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
      const photo = { kind: 'image' as const, path: '/data/workspaces/k-1/abc-photo.jpg' };
      await inbox.accept(
        inbound('m1', { sender: { id: 'u1' }, text: 'my secret plan', attachments: [photo] }),
        'k',
      );
      await inbox.accept(inbound('m2', { sender: { id: 'u2' } }), 'k');
      const exported = await sessions.exportUser('test', 'u1');
      expect(exported.sessions).toHaveLength(1);
      expect(exported.sessions[0]!.messages.map((m) => m.content)).toEqual([
        'my secret plan',
        'noted',
      ]);
      expect(exported.sessions[0]!.messages[1]!.toolCalls![0]!.function.name).toBe('get_time');
      expect(exported.messagesInGroups.map((m) => m.content)).toEqual(['u1 in a group']);
      expect(exported.inbox.map((m) => [m.platformMessageId, m.text, m.files])).toEqual([
        ['m1', 'my secret plan', [photo.path]],
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
      expect([wa.get('creds'), wa.get('key:b'), other.get('creds')]).toEqual([
        undefined,
        undefined,
        '{}',
      ]);
    });

    it('reads auth state as last written: after a miss, an overwrite, a removal, long or short', async () => {
      const state = get().authState('web:conversations');
      const long = 'x'.repeat(5000);
      expect(state.get('c:1')).toBeUndefined();
      state.write([['c:1', 'short']]);
      expect(state.get('c:1')).toBe('short');
      state.write([['c:1', long]]);
      expect(state.get('c:1')).toBe(long);
      state.write([['c:1', 'short again']]);
      expect(state.get('c:1')).toBe('short again');
      state.write([['c:1', null]]);
      expect(state.get('c:1')).toBeUndefined();
      state.write([
        ['c:2', long],
        ['ids', '["c:2"]'],
      ]);
      const after = (await restart()).authState('web:conversations');
      expect([after.get('c:1'), after.get('c:2'), after.get('ids')]).toEqual([
        undefined,
        long,
        '["c:2"]',
      ]);
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

    it('forgets every web message of one client and only that client', async () => {
      const { webOutbox } = get();
      await webOutbox.add('gone-1', { text: 'one', role: 'user', id: 'm1' });
      await webOutbox.add('gone-1', { text: 'two' });
      await webOutbox.add('kept-1', { text: 'stays' });
      expect(await webOutbox.forget('gone-1')).toBe(2);
      expect(await webOutbox.since('gone-1', 0)).toEqual([]);
      expect((await webOutbox.since('kept-1', 0)).map((i) => i.payload.text)).toEqual(['stays']);
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

const DAY = 24 * 3600_000;

function usageContract(get: () => Stores, restart: () => Promise<Stores>): void {
  describe('usage', () => {
    // 2026-12-01 00:00 UTC, a Tuesday; one call at each of three times.
    const start = Date.UTC(2026, 11, 1);
    const call = (at: number, extra: Partial<NewUsage> = {}): NewUsage => ({
      at,
      model: 'gpt-test',
      promptTokens: 100,
      completionTokens: 20,
      cachedTokens: 40,
      latencyMs: 250,
      cost: 0.000_123,
      userId: 'test:u1',
      conversationKey: 'test:a:u1',
      channel: 'test',
      ...extra,
    });

    it('sums calls in a time range, narrowed by attribution, exactly in cost', async () => {
      const { usage } = get();
      await usage.record(call(start + 1000));
      await usage.record(call(start + 2000, { userId: 'test:u2', cost: 0.000_877 }));
      await usage.record(call(start + DAY, { jobId: 'job-1' }));
      const day = await usage.totals({ from: start, to: start + DAY });
      expect(day).toEqual({
        calls: 2,
        promptTokens: 200,
        completionTokens: 40,
        cachedTokens: 80,
        tokens: 240,
        cost: 0.001,
        unpricedCalls: 0,
      });
      const mine = await usage.totals({ from: start, to: start + 2 * DAY, userId: 'test:u1' });
      expect(mine.calls).toBe(2);
      expect((await usage.totals({ from: 0, to: start * 2, jobId: 'job-1' })).calls).toBe(1);
      const none = await usage.totals({ from: start, to: start + DAY, channel: 'other' });
      expect(none).toMatchObject({ calls: 0, tokens: 0, cost: 0 });
    });

    it('counts calls without a price in tokens only', async () => {
      const { usage } = get();
      await usage.record(call(start, { cost: null, model: 'local' }));
      await usage.record(call(start, { cost: 0.5 }));
      const totals = await usage.totals({ from: start, to: start + 1 });
      expect(totals).toMatchObject({ calls: 2, tokens: 240, cost: 0.5, unpricedCalls: 1 });
    });

    it('breaks down by user, model, UTC day and month, largest first, calls without a key last', async () => {
      const { usage } = get();
      await usage.record(call(start - 1, { userId: 'test:u0' }));
      await usage.record(call(start, { model: 'big', promptTokens: 1000 }));
      await usage.record(call(start + DAY - 1));
      await usage.record(call(start + DAY, { userId: undefined }));
      const range = { from: start - DAY, to: start + 2 * DAY };
      const byUser = await usage.breakdown('user', range);
      expect(byUser.map((row) => [row.key, row.calls])).toEqual([
        ['test:u1', 2],
        ['test:u0', 1],
        [null, 1],
      ]);
      const byModel = await usage.breakdown('model', range);
      expect(byModel.map((row) => [row.key, row.tokens])).toEqual([
        ['big', 1020],
        ['gpt-test', 360],
      ]);
      const byDay = await usage.breakdown('day', { ...range, userId: 'test:u1' });
      expect(byDay.map((row) => row.key)).toEqual(['2026-12-01']);
      const days = await usage.breakdown('day', range);
      expect(days.map((row) => [row.key, row.calls]).sort()).toEqual([
        ['2026-11-30', 1],
        ['2026-12-01', 2],
        ['2026-12-02', 1],
      ]);
      const months = await usage.breakdown('month', range);
      expect(months.map((row) => [row.key, row.calls]).sort()).toEqual([
        ['2026-11', 1],
        ['2026-12', 3],
      ]);
    });

    it('marks an alert once per key and period, also after a restart', async () => {
      const { usage } = get();
      expect(await usage.markAlerted('global.daily.tokens:80', '2026-12-01')).toBe(true);
      expect(await usage.markAlerted('global.daily.tokens:80', '2026-12-01')).toBe(false);
      const again = await restart();
      expect(await again.usage.markAlerted('global.daily.tokens:80', '2026-12-01')).toBe(false);
      expect(await again.usage.markAlerted('global.daily.tokens:80', '2026-12-02')).toBe(true);
      await again.usage.record(call(start));
      expect((await again.usage.totals({ from: start, to: start + 1 })).calls).toBe(1);
    });
  });
}

export const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  owner: 'test:u',
  conversationKey: 'test:a:c',
  target: { channel: 'test', account: 'a', conversationId: 'c', chatType: 'dm' },
  instruction: 'say hello',
  schedule: { kind: 'once', at: 1_000 },
  catchUp: 'run-once',
  maxTokens: 10_000,
  nextRunAt: 1_000,
  ...overrides,
});

function jobContract(get: () => Stores, restart: () => Promise<Stores>): void {
  const created = async (stores: Stores, overrides: Partial<NewJob> = {}) => {
    const result = await stores.jobs.create(newJob(overrides), 100);
    if (!('job' in result)) throw new Error('job limit reached');
    return result.job;
  };

  describe('jobs', () => {
    it('creates a job and reads it back as written, also after a restart', async () => {
      const schedule = { kind: 'cron' as const, expression: '0 9 * * *', timeZone: 'Europe/Paris' };
      const job = await created(get(), {
        schedule,
        catchUp: 'skip',
        target: {
          channel: 'test',
          account: 'a',
          conversationId: 'g',
          threadId: 't',
          chatType: 'group',
        },
      });
      expect(job.state).toBe('active');
      const reopened = await restart();
      expect(await reopened.jobs.get(job.id)).toEqual(job);
      expect(await reopened.jobs.get(job.id + 1000)).toBeUndefined();
    });

    it('refuses a job beyond the per-owner limit, counting active and paused jobs only', async () => {
      const { jobs } = get();
      await created(get());
      const paused = await created(get());
      await jobs.setState(paused.id, 'paused');
      expect(await jobs.create(newJob(), 2)).toEqual({ limit: 2 });
      const cancelled = await created(get(), { owner: 'test:other' });
      await jobs.setState(cancelled.id, 'cancelled');
      expect('job' in (await jobs.create(newJob({ owner: 'test:other' }), 1))).toBe(true);
      await jobs.setState(paused.id, 'cancelled');
      expect('job' in (await jobs.create(newJob(), 2))).toBe(true);
    });

    it('answers the earliest due time and the due jobs of active jobs only', async () => {
      const { jobs } = get();
      const late = await created(get(), { nextRunAt: 5_000 });
      const early = await created(get(), { nextRunAt: 2_000 });
      const paused = await created(get(), { nextRunAt: 1_000 });
      await jobs.setState(paused.id, 'paused');
      await created(get(), { nextRunAt: null });
      expect(await jobs.nextDue()).toBe(2_000);
      expect((await jobs.due(1_999, 10)).map((j) => j.id)).toEqual([]);
      expect((await jobs.due(5_000, 10)).map((j) => j.id)).toEqual([early.id, late.id]);
      expect((await jobs.due(5_000, 1)).map((j) => j.id)).toEqual([early.id]);
      await jobs.setState(early.id, 'cancelled');
      expect(await jobs.nextDue()).toBe(5_000);
      await jobs.setState(paused.id, 'active', 3_000);
      expect(await jobs.nextDue()).toBe(3_000);
    });

    it('advances a job past one due time exactly once; a one-shot job is then done', async () => {
      const { jobs } = get();
      const daily = await created(get(), { nextRunAt: 1_000 });
      expect(await jobs.advance(daily.id, 1_000, 2_000)).toBe(true);
      expect(await jobs.advance(daily.id, 1_000, 2_000)).toBe(false);
      expect((await jobs.get(daily.id))?.nextRunAt).toBe(2_000);
      expect(await jobs.advance(daily.id, 2_000, null)).toBe(true);
      const done = await jobs.get(daily.id);
      expect(done?.state).toBe('done');
      expect(done?.nextRunAt).toBeNull();
      expect(await jobs.nextDue()).toBeUndefined();
      const cancelled = await created(get(), { nextRunAt: 1_000 });
      await jobs.setState(cancelled.id, 'cancelled');
      expect(await jobs.advance(cancelled.id, 1_000, 2_000)).toBe(false);
    });

    it('lists jobs newest first by owner, conversation and state', async () => {
      const { jobs } = get();
      const a = await created(get(), { owner: 'test:a', conversationKey: 'k1' });
      const b = await created(get(), { owner: 'test:b', conversationKey: 'k1' });
      const c = await created(get(), { owner: 'test:a', conversationKey: 'k2' });
      await jobs.setState(c.id, 'cancelled');
      const ids = (jobs: { id: number }[]) => jobs.map((j) => j.id);
      expect(ids(await jobs.list({ limit: 10 }))).toEqual([c.id, b.id, a.id]);
      expect(ids(await jobs.list({ owner: 'test:a', limit: 10 }))).toEqual([c.id, a.id]);
      expect(ids(await jobs.list({ conversationKey: 'k1', limit: 10 }))).toEqual([b.id, a.id]);
      expect(ids(await jobs.list({ states: ['active', 'paused'], limit: 10 }))).toEqual([
        b.id,
        a.id,
      ]);
      expect(ids(await jobs.list({ limit: 1 }))).toEqual([c.id]);
      const filter = { owner: 'test:a', conversationKey: 'k2', states: ['cancelled' as const] };
      expect(ids(await jobs.list({ ...filter, limit: 10 }))).toEqual([c.id]);
      expect(ids(await jobs.list({ ...filter, states: ['active', 'paused'], limit: 10 }))).toEqual(
        [],
      );
    });

    it("purges one owner's jobs and their receipts, keeping others'", async () => {
      const { jobs } = get();
      const mine = await created(get(), { owner: 'test:gone' });
      await jobs.recordRun(mine.id, 1_000, { outcome: 'ok' });
      const theirs = await created(get(), { owner: 'test:stays' });
      await jobs.recordRun(theirs.id, 1_000, { outcome: 'ok' });
      expect(await jobs.purgeOwner('test:gone')).toBe(1);
      expect(await jobs.get(mine.id)).toBeUndefined();
      expect(await jobs.getRun(mine.id, 1_000)).toBeUndefined();
      expect(await jobs.get(theirs.id)).toBeDefined();
      expect((await jobs.runs({ limit: 10 })).map((r) => r.jobId)).toEqual([theirs.id]);
    });

    it('keeps one receipt per (job, due time), updated field by field', async () => {
      const { jobs } = get();
      const job = await created(get());
      await jobs.recordRun(job.id, 1_000, { note: '(this was due at 09:00)' });
      await jobs.recordRun(job.id, 1_000, { outcome: 'running', startedAt: 1_100 });
      await jobs.recordRun(job.id, 1_000, {
        outcome: 'ok',
        endedAt: 1_500,
        promptTokens: 30,
        completionTokens: 12,
      });
      await jobs.recordRun(job.id, 2_000, { outcome: 'failed', error: 'provider down' });
      const run = await jobs.getRun(job.id, 1_000);
      expect(run).toMatchObject({
        jobId: job.id,
        dueAt: 1_000,
        outcome: 'ok',
        note: '(this was due at 09:00)',
        startedAt: 1_100,
        endedAt: 1_500,
        promptTokens: 30,
        completionTokens: 12,
        cost: null,
        error: undefined,
      });
      expect((await jobs.runs({ jobId: job.id, limit: 10 })).map((r) => r.dueAt)).toEqual([
        2_000, 1_000,
      ]);
      expect((await jobs.runs({ limit: 1 }))[0]?.error).toBe('provider down');
      expect(await jobs.getRun(job.id, 3_000)).toBeUndefined();
      expect(await jobs.pruneRuns(1_500)).toBe(1);
      expect((await jobs.runs({ limit: 10 })).map((r) => r.dueAt)).toEqual([2_000]);
    });
  });
}

function memoryContract(get: () => Stores, restart: () => Promise<Stores>): void {
  const alice = { channel: 'test', userId: 'alice' };
  const bob = { channel: 'test', userId: 'bob' };
  const aliceInGroup = { ...alice, group: 'g1' };
  describe('memory', () => {
    it('finds a memory by any of its words, best match first, also after a restart', async () => {
      const { memory } = get();
      await memory.add(alice, 'My locker code is 4711');
      await memory.add(alice, 'I prefer tea over coffee');
      const tea = await memory.add(alice, 'Green tea, no sugar, is my favourite tea');
      expect(tea).toMatchObject({ channel: 'test', userId: 'alice', text: tea.text });
      expect(tea.group).toBeUndefined();
      const reopened = await restart();
      const found = await reopened.memory.search(alice, 'Which TEA do I like?', 5);
      expect(found.map((m) => m.id)[0]).toBe(tea.id);
      expect(found).toHaveLength(2);
      expect((await reopened.memory.search(alice, 'locker', 5)).map((m) => m.text)).toEqual([
        'My locker code is 4711',
      ]);
      expect(await reopened.memory.search(alice, '"); DROP TABLE memories; --', 5)).toEqual([]);
      expect(await reopened.memory.search(alice, 'NEAR(locker code) OR *', 5)).toHaveLength(1);
      expect(await reopened.memory.search(alice, '?! ...', 5)).toEqual([]);
    });

    it('never returns another user’s or another scope’s memory', async () => {
      const { memory } = get();
      const secret = await memory.add(alice, 'alice locker code 4711');
      await memory.add(aliceInGroup, 'alice said in the group: locker 9999');
      await memory.add({ channel: 'other', userId: 'alice' }, 'locker on another channel');
      expect(await memory.search(bob, 'alice locker code 4711', 10)).toEqual([]);
      expect(await memory.list(bob, { limit: 10, offset: 0 })).toEqual([]);
      expect(await memory.count(bob)).toBe(0);
      expect(await memory.forget(bob, secret.id)).toBe(false);
      expect(await memory.clear(bob)).toBe(0);
      expect((await memory.search(alice, 'locker', 10)).map((m) => m.text)).toEqual([
        'alice locker code 4711',
      ]);
      expect((await memory.search(aliceInGroup, 'locker', 10)).map((m) => m.group)).toEqual(['g1']);
      expect(await memory.search({ ...bob, group: 'g1' }, 'locker', 10)).toEqual([]);
    });

    it('lists newest first, counts, forgets one and clears a scope', async () => {
      const { memory } = get();
      const first = await memory.add(alice, 'one');
      await memory.add(alice, 'two');
      await memory.add(alice, 'three');
      await memory.add(aliceInGroup, 'group one');
      const page = await memory.list(alice, { limit: 2, offset: 0 });
      expect(page.map((m) => m.text)).toEqual(['three', 'two']);
      expect((await memory.list(alice, { limit: 2, offset: 2 })).map((m) => m.text)).toEqual([
        'one',
      ]);
      expect(await memory.count(alice)).toBe(3);
      expect(await memory.forget(alice, first.id)).toBe(true);
      expect(await memory.forget(alice, first.id)).toBe(false);
      expect(await memory.search(alice, 'one', 5)).toEqual([]);
      expect(await memory.clear(alice)).toBe(2);
      expect(await memory.count(alice)).toBe(0);
      expect(await memory.count(aliceInGroup)).toBe(1);
    });

    it('exports and purges every memory of one user, keeping others', async () => {
      const { memory } = get();
      await memory.add(alice, 'own fact');
      await memory.add(aliceInGroup, 'group fact');
      await memory.add(bob, 'bob fact');
      const exported = await memory.exportUser('test', 'alice');
      expect(exported.map((m) => [m.text, m.group])).toEqual([
        ['own fact', undefined],
        ['group fact', 'g1'],
      ]);
      expect(await memory.purgeUser('test', 'alice')).toBe(2);
      expect(await memory.exportUser('test', 'alice')).toEqual([]);
      expect(await memory.search(aliceInGroup, 'group fact', 5)).toEqual([]);
      expect((await memory.search(bob, 'fact', 5)).map((m) => m.text)).toEqual(['bob fact']);
    });
  });
}
