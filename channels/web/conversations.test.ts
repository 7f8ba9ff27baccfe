import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { tempDir } from '../../test/harness.js';
import { Conversations, titleFrom } from './conversations.js';

describe('web chat conversation list', () => {
  it('creates, orders by activity, renames and removes conversations, across a restart', async () => {
    const file = join(tempDir(), 'parley.db');
    const stores = openSqliteStores(file);
    const list = new Conversations(stores.authState('web:conversations'));
    list.touch('conv-0001', 'Plan the trip\nwith details', 1);
    list.touch('conv-0002', '/new', 2);
    expect(list.list().map((c) => [c.id, c.title])).toEqual([
      ['conv-0002', 'New chat'],
      ['conv-0001', 'Plan the trip'],
    ]);
    list.touch('conv-0002', 'Budget for March', 3);
    list.touch('conv-0001', 'a minute later', 60_002);
    expect(list.list().map((c) => [c.id, c.title])).toEqual([
      ['conv-0001', 'Plan the trip'],
      ['conv-0002', 'Budget for March'],
    ]);
    expect(list.rename('conv-0002', '  Money  ')?.title).toBe('Money');
    expect(list.rename('conv-9999', 'x')).toBeUndefined();
    await stores.close();

    const again = openSqliteStores(file);
    const reopened = new Conversations(again.authState('web:conversations'));
    expect(reopened.get('conv-0002')).toMatchObject({ title: 'Money', named: true });
    expect(reopened.remove('conv-0001')).toBe(true);
    expect(reopened.remove('conv-0001')).toBe(false);
    expect(reopened.list().map((c) => c.id)).toEqual(['conv-0002']);
    await again.close();
  });

  it('writes on the hot path only when the list changes', () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const state = stores.authState('web:conversations');
    const writes: number[] = [];
    const write = state.write.bind(state);
    state.write = (entries) => {
      writes.push([...entries].length);
      write(entries);
    };
    const list = new Conversations(state);
    list.touch('conv-0001', 'first', 0);
    for (let t = 1; t < 50; t++) list.touch('conv-0001', `message ${t}`, t * 1000);
    expect(writes).toEqual([2]);
    list.touch('conv-0001', 'a while later', 61_000);
    expect(writes).toEqual([2, 1]);
    expect(list.get('conv-0001')).toMatchObject({ title: 'first', updatedAt: 61_000 });
  });

  it('titles a conversation from its first line, shortened', () => {
    expect(titleFrom('  hello  ')).toBe('hello');
    expect(titleFrom('/help')).toBe('New chat');
    expect(titleFrom('a'.repeat(80))).toBe(`${'a'.repeat(57)}…`);
  });
});
