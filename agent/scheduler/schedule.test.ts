import { describe, expect, it } from 'vitest';
import {
  formatTime,
  nextRun,
  overdue,
  parseDuration,
  parseSchedule,
  parseWhen,
} from './schedule.js';

const NOW = Date.parse('2026-03-28T12:00:00Z');

describe('schedule arithmetic', () => {
  it('computes the next run of a cron job in its time zone, across a DST change', () => {
    const paris = { kind: 'cron' as const, expression: '0 9 * * *', timeZone: 'Europe/Paris' };
    // 28 March 2026 is UTC+1 in Paris; the clocks go forward on the 29th (UTC+2).
    expect(new Date(nextRun(paris, NOW)!).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(new Date(nextRun(paris, Date.parse('2026-03-27T07:59:00Z'))!).toISOString()).toBe(
      '2026-03-27T08:00:00.000Z',
    );
    const ny = { kind: 'cron' as const, expression: '30 8 * * 1', timeZone: 'America/New_York' };
    expect(new Date(nextRun(ny, NOW)!).toISOString()).toBe('2026-03-30T12:30:00.000Z');
  });

  it('reads "in 20 minutes", short durations and ISO times (local to the zone without offset)', () => {
    expect(parseWhen('in 20 minutes', NOW, 'UTC')).toBe(NOW + 20 * 60_000);
    expect(parseWhen('2h', NOW, 'UTC')).toBe(NOW + 2 * 3_600_000);
    expect(parseWhen('2026-03-28T15:00', NOW, 'Europe/Paris')).toBe(
      Date.parse('2026-03-28T14:00:00Z'),
    );
    expect(parseWhen('2026-03-28 15:00', NOW, 'UTC')).toBe(Date.parse('2026-03-28T15:00:00Z'));
    expect(parseWhen('2026-03-28T15:00:00+05:00', NOW, 'UTC')).toBe(
      Date.parse('2026-03-28T10:00:00Z'),
    );
    expect(parseWhen('2026-03-28T15:00:00.000Z', NOW, 'Europe/Paris')).toBe(
      Date.parse('2026-03-28T15:00:00Z'),
    );
    expect(() => parseWhen('tomorrow-ish', NOW, 'UTC')).toThrow(/not a time/);
    expect(parseDuration('1.5 hours')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('refuses what cannot be scheduled, with a reason', () => {
    expect(() => parseSchedule({ at: '2026-03-28T11:00' }, NOW, 'UTC')).toThrow(/already passed/);
    expect(() => parseSchedule({ cron: '61 * * * *' }, NOW, 'UTC')).toThrow(
      /not a cron expression/,
    );
    expect(() => parseSchedule({ every: '30 seconds' }, NOW, 'UTC')).toThrow(/1 minute/);
    expect(() => parseSchedule({ at: 'in 1h', cron: '* * * * *' }, NOW, 'UTC')).toThrow(
      /exactly one/,
    );
    expect(parseSchedule({ every: 'every 2 hours' }, NOW, 'UTC')).toEqual({
      kind: 'interval',
      everyMs: 7_200_000,
      startAt: NOW,
    });
  });

  it('counts the runs missed since a due time and finds the next one after now', () => {
    const every = { kind: 'interval' as const, everyMs: 3_600_000, startAt: NOW };
    const due = NOW + 3_600_000;
    expect(overdue(every, due, due + 2.5 * 3_600_000)).toEqual({
      count: 3,
      latest: due + 2 * 3_600_000,
      next: due + 3 * 3_600_000,
    });
    expect(overdue({ kind: 'once', at: due }, due, due + 1)).toEqual({
      count: 1,
      latest: due,
      next: null,
    });
  });

  it('formats times as the conversation reads them', () => {
    const at = Date.parse('2026-03-28T08:00:00Z');
    expect(formatTime(at, 'Europe/Paris', NOW)).toBe('09:00');
    expect(formatTime(at, 'Europe/Paris', NOW + 86_400_000)).toBe('2026-03-28 09:00');
  });
});
