import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../core/contract.js';
import { openDatabase } from '../sessions/db.js';
import { tempDir } from '../test/harness.js';
import { Inbox } from './inbox.js';

const message = (id: string): InboundMessage => ({
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
});

describe('Inbox', () => {
  it('stores a message once per (channel, platform id) in a real SQLite file', () => {
    const path = join(tempDir(), 'parley.db');
    const inbox = new Inbox(openDatabase(path));
    expect(inbox.accept(message('1'), 'k').duplicate).toBe(false);
    expect(inbox.accept(message('1'), 'k').duplicate).toBe(true);
    expect(inbox.accept({ ...message('1'), channel: 'other' }, 'k').duplicate).toBe(false);
    const reopened = new Inbox(openDatabase(path));
    expect(reopened.accept(message('1'), 'k').duplicate).toBe(true);
  });

  it('reclaims unfinished rows after a restart, counting interrupted attempts', () => {
    const path = join(tempDir(), 'parley.db');
    const inbox = new Inbox(openDatabase(path));
    const a = inbox.accept(message('a'), 'k').entry;
    const b = inbox.accept(message('b'), 'k').entry;
    const c = inbox.accept(message('c'), 'k').entry;
    inbox.complete(a.id);
    inbox.setReply(b.id, { chunks: ['one', 'two'], sent: 1, messageIds: ['m1'] });
    const unfinished = new Inbox(openDatabase(path)).reclaim();
    expect(unfinished.map((e) => e.id)).toEqual([b.id, c.id]);
    expect(unfinished.map((e) => e.attempts)).toEqual([0, 1]);
    expect(new Inbox(openDatabase(path)).reclaim()[1]!.attempts).toBe(2);
    expect(unfinished[0]!.state).toBe('replying');
    expect(unfinished[0]!.reply).toEqual({ chunks: ['one', 'two'], sent: 1, messageIds: ['m1'] });
    expect(unfinished[1]!.message.text).toBe('text c');
  });

  it('freezes a reply together with the writes that belong to it, or not at all', () => {
    const db = openDatabase(join(tempDir(), 'parley.db'));
    const inbox = new Inbox(db);
    const entry = inbox.accept(message('x'), 'k').entry;
    db.exec('CREATE TABLE side (v TEXT)');
    const reply = { chunks: ['hi'], sent: 0, messageIds: [] };
    expect(() =>
      inbox.setReply(entry.id, reply, () => {
        db.prepare("INSERT INTO side VALUES ('kept?')").run();
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(inbox.get(entry.id)!.state).toBe('pending');
    expect(db.prepare('SELECT COUNT(*) AS n FROM side').get()).toEqual({ n: 0 });
    inbox.setReply(entry.id, reply, () => db.prepare("INSERT INTO side VALUES ('kept')").run());
    expect(inbox.get(entry.id)!.state).toBe('replying');
    expect(db.prepare('SELECT v FROM side').all()).toEqual([{ v: 'kept' }]);
  });
});
