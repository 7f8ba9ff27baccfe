import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/harness.js';
import { openDatabase } from './db.js';
import { type SessionInit, SessionStore } from './store.js';

const dm = (user: string): SessionInit => ({
  key: `test:a:${user}`,
  channel: 'test',
  conversationId: user,
  chatType: 'dm',
  userId: user,
});

function store() {
  const db = openDatabase(join(tempDir(), 'parley.db'));
  return { db, sessions: new SessionStore(db) };
}

describe('SessionStore', () => {
  it('opens in WAL mode with migrations applied', () => {
    const { db } = store();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
  });

  it('bounds history by message count and token budget, starting at a user message', () => {
    const { sessions } = store();
    const session = sessions.active(dm('u1'));
    for (let i = 0; i < 30; i++) {
      sessions.add(session.id, { role: 'user', content: `question ${i} ${'x'.repeat(400)}` });
      sessions.add(session.id, { role: 'assistant', content: `answer ${i}` });
    }
    const byCount = sessions.history(session.id, { maxMessages: 5, maxTokens: 100_000 });
    expect(byCount[0]!.role).toBe('user');
    expect(byCount.length).toBeLessThanOrEqual(5);
    expect(byCount.at(-1)!.content).toBe('answer 29');
    const byTokens = sessions.history(session.id, { maxMessages: 100, maxTokens: 500 });
    expect(byTokens.length).toBeLessThan(10);
    expect(byTokens.reduce((sum, m) => sum + (m.content?.length ?? 0), 0) / 4).toBeLessThan(500);
  });

  it('starts a fresh session after end (/reset)', () => {
    const { sessions } = store();
    const first = sessions.active(dm('u1'));
    sessions.add(first.id, { role: 'user', content: 'hello' });
    expect(sessions.end(first.key)).toBe(true);
    const second = sessions.active(dm('u1'));
    expect(second.id).not.toBe(first.id);
    expect(sessions.history(second.id, { maxMessages: 10, maxTokens: 1000 })).toEqual([]);
  });

  it('stores a turn in order and drops what an interrupted run stored', () => {
    const { sessions } = store();
    const session = sessions.active(dm('u1'));
    sessions.addTurn(session.id, 7, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
    sessions.add(session.id, { role: 'user', content: 'interrupted', inboxId: 8 });
    sessions.discardTurn(8);
    expect(sessions.transcript(session.id).map((m) => [m.content, m.inboxId])).toEqual([
      ['q', 7],
      ['a', 7],
    ]);
  });

  it('counts the pending user message in the history limits, last', () => {
    const { sessions } = store();
    const session = sessions.active(dm('u1'));
    for (let i = 0; i < 5; i++)
      sessions.addTurn(session.id, i, [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `a${i}` },
      ]);
    const next = { role: 'user' as const, content: 'now' };
    const history = sessions.history(session.id, { maxMessages: 4, maxTokens: 1000 }, next);
    expect(history.map((m) => m.content)).toEqual(['q4', 'a4', 'now']);
    const tight = sessions.history(session.id, { maxMessages: 40, maxTokens: 5 }, next);
    expect(tight.map((m) => m.content)).toEqual(['now']);
  });

  it('exports and purges one user, keeping others', () => {
    const { sessions } = store();
    const mine = sessions.active(dm('u1'));
    sessions.add(mine.id, { role: 'user', content: 'my secret plan', senderId: 'u1' });
    sessions.add(mine.id, {
      role: 'assistant',
      content: 'noted',
      toolCalls: [{ id: 'c1', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
      promptTokens: 12,
      completionTokens: 3,
    });
    const group = sessions.active({
      key: 'test:a:g',
      channel: 'test',
      conversationId: 'g',
      chatType: 'group',
    });
    sessions.add(group.id, { role: 'user', content: 'u1 in a group', senderId: 'u1' });
    sessions.add(group.id, { role: 'user', content: 'someone else', senderId: 'u2' });
    const exported = sessions.exportUser('test', 'u1');
    expect(exported.sessions).toHaveLength(1);
    expect(exported.sessions[0]!.messages.map((m) => m.content)).toEqual([
      'my secret plan',
      'noted',
    ]);
    expect(exported.sessions[0]!.messages[1]!.toolCalls![0]!.function.name).toBe('get_time');
    expect(exported.messagesInGroups.map((m) => m.content)).toEqual(['u1 in a group']);
    expect(JSON.parse(JSON.stringify(exported)).userId).toBe('u1');
    expect(sessions.usage(mine.id)).toEqual({ promptTokens: 12, completionTokens: 3, messages: 2 });
    expect(sessions.purgeUser('test', 'u1')).toEqual({ sessions: 1, messages: 3 });
    expect(sessions.exportUser('test', 'u1').sessions).toHaveLength(0);
    expect(sessions.transcript(group.id).map((m) => m.content)).toEqual(['someone else']);
  });
});
