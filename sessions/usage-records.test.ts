import { describe, expect, it } from 'vitest';
import { utcDay } from './usage-records.js';

describe('utcDay', () => {
  it('is the UTC date of any time, also around midnight and when days alternate', () => {
    const midnight = Date.UTC(2026, 11, 3);
    const times = [
      midnight - 1,
      midnight,
      midnight + 1,
      midnight - 1,
      Date.UTC(1969, 6, 20, 20, 17),
    ];
    for (let i = 0; i < 2000; i++) times.push(Math.round((Math.random() - 0.3) * 4e12));
    for (const at of times) expect(utcDay(at)).toBe(new Date(at).toISOString().slice(0, 10));
    expect(utcDay(midnight - 1)).toBe('2026-12-02');
    expect(utcDay(midnight)).toBe('2026-12-03');
  });
});
