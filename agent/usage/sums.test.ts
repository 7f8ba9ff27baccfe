import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import type { NewUsage } from '../../sessions/stores.js';
import { tempDir } from '../../test/harness.js';
import { type Budget, budgetQuery } from './budgets.js';
import { RunningSums } from './sums.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 11, 2);
const global: Budget = {
  scope: 'global',
  period: 'daily',
  unit: 'tokens',
  limit: 1e9,
  configKey: 'k',
};
const user: Budget = { ...global, scope: 'user', subject: 'test:u1' };
const call = (at: number, userId = 'test:u1'): NewUsage => ({
  at,
  model: 'm',
  promptTokens: 100,
  completionTokens: 10,
  cachedTokens: 0,
  latencyMs: 1,
  cost: 0.5,
  userId,
});

describe('running budget sums', () => {
  const setup = () => {
    const stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const sums = new RunningSums();
    let loads = 0;
    const used = (budget: Budget, now: number) =>
      sums.used(budget, now, async () => {
        loads++;
        return (await stores.usage.totals(budgetQuery(budget, now))).tokens;
      });
    const record = (entry: NewUsage) => {
      const written = stores.usage.record(entry);
      sums.add(entry, entry.cost ?? 0);
      return written;
    };
    return { stores, used, record, loads: () => loads };
  };

  it('sums the ledger once per period, then adds recorded calls', async () => {
    const { used, record, loads } = setup();
    await record(call(start + 1));
    expect(await used(global, start + 2)).toBe(110);
    await record(call(start + 3));
    await record(call(start + 4, 'test:u2'));
    expect(await used(global, start + 5)).toBe(330);
    expect(await used(user, start + 5)).toBe(220);
    expect(loads()).toBe(2);
    // The next UTC day starts from the ledger again.
    await record(call(start + DAY + 1));
    expect(await used(global, start + DAY + 2)).toBe(110);
    expect(loads()).toBe(3);
  });

  it('counts a call recorded while a sum is being read exactly once', async () => {
    const { used, record } = setup();
    await record(call(start + 1));
    const reading = used(global, start + 2);
    await record(call(start + 3));
    expect(await reading).toBe(220);
    expect(await used(global, start + 4)).toBe(220);
  });
});
