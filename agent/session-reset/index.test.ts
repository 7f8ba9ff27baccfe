/**
 * Reset rules on a real SQLite store with a fake clock: idle hours, a daily time in
 * a time zone, manual only, and per-channel rules replacing the default.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionInit } from '../../sessions/records.js';
import { openSqliteStores, type SqliteStores } from '../../sessions/sqlite/index.js';
import { tempDir } from '../../test/harness.js';
import { historySchema } from '../config.js';
import { openSession, resetRuleFor } from './index.js';

const init: SessionInit = {
  key: 'web:c1',
  channel: 'web',
  conversationId: 'c1',
  chatType: 'dm',
  userId: 'c1',
};

let stores: SqliteStores;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  stores = openSqliteStores(join(tempDir(), 'parley.db'));
});
afterEach(async () => {
  vi.useRealTimers();
  await stores.close();
});

/** Opens the session at `at` (ISO time), stores a message in it, returns its id. */
async function talk(at: string, rule: ReturnType<typeof resetRuleFor>) {
  vi.setSystemTime(new Date(at));
  const { session, ended } = await openSession(stores.sessions, init, rule);
  await stores.sessions.add(session.id, { role: 'user', content: `at ${at}` });
  return { id: session.id, ended };
}

describe('session reset rules', () => {
  it('idle: a message after idleHours without one starts a new session', async () => {
    const rule = historySchema.parse({ reset: { mode: 'idle', idleHours: 2 } }).reset;
    const first = await talk('2026-03-01T10:00:00Z', rule);
    expect((await talk('2026-03-01T11:59:00Z', rule)).id).toBe(first.id);
    // Idle counts from the last message (11:59), not from the session's start.
    expect((await talk('2026-03-01T13:58:00Z', rule)).id).toBe(first.id);
    const later = await talk('2026-03-01T15:58:00Z', rule);
    expect(later).toMatchObject({ ended: true });
    expect(later.id).not.toBe(first.id);
    expect((await stores.sessions.get(first.id))!.endedAt).not.toBeNull();
  });

  it('daily: the first message after the time of day (in its time zone) starts a new session', async () => {
    const rule = historySchema.parse({
      reset: { mode: 'daily', at: '04:00', timezone: 'Europe/Berlin' },
    }).reset;
    // 04:00 in Berlin in March (CET) is 03:00 UTC.
    const evening = await talk('2026-03-01T20:00:00Z', rule);
    expect((await talk('2026-03-02T02:59:00Z', rule)).id).toBe(evening.id);
    const morning = await talk('2026-03-02T03:01:00Z', rule);
    expect(morning.id).not.toBe(evening.id);
    expect((await talk('2026-03-02T22:00:00Z', rule)).id).toBe(morning.id);
    // Days without a message still end the session at the next message.
    expect((await talk('2026-03-09T12:00:00Z', rule)).id).not.toBe(morning.id);
  });

  it('manual: only /reset ends a session, however long it was idle', async () => {
    const rule = historySchema.parse({}).reset;
    expect(rule.mode).toBe('manual');
    const first = await talk('2026-03-01T10:00:00Z', rule);
    expect((await talk('2027-03-01T10:00:00Z', rule)).id).toBe(first.id);
  });

  it('a channel rule replaces the default there only', () => {
    const history = historySchema.parse({
      reset: { mode: 'daily' },
      resetByChannel: { web: { mode: 'idle', idleHours: 1 } },
    });
    expect(resetRuleFor(history, 'web')).toMatchObject({ mode: 'idle', idleHours: 1 });
    expect(resetRuleFor(history, 'telegram')).toMatchObject({ mode: 'daily', at: '04:00' });
  });

  it('refuses a time zone or time it cannot use, naming the fix', () => {
    const zone = historySchema.safeParse({ reset: { mode: 'daily', timezone: 'Mars/Olympus' } });
    expect(zone.error?.issues[0]?.message).toContain('not an IANA time zone');
    expect(historySchema.safeParse({ reset: { timezone: 'Mars/Olympus' } }).success).toBe(true);
    const time = historySchema.safeParse({ reset: { at: '25:00' } });
    expect(time.error?.issues[0]?.message).toContain('HH:MM');
  });
});
