/**
 * What each budget has used in its current period, kept in memory so a model call
 * does not sum the ledger: the first read of a budget in a period sums the ledger
 * (`base`), every call recorded afterwards adds to `delta`. Valid because one
 * process serves a data folder (the lock in sessions/sqlite/lock.ts) and is the only
 * writer of the ledger; with several writers (Postgres: cli/app.ts) it is turned off
 * (`MeterOptions.cacheSums: false`) and sums the ledger on every check.
 *
 * `add` must run right after the ledger write, before anything else is awaited: a
 * sum started before the write then lacks the row and gets it as `delta`, one
 * started after includes it and starts with `delta` 0 (the SQLite store runs each
 * statement when it is called).
 */
import type { NewUsage } from '../../sessions/usage-records.js';
import { type Budget, budgetId, periodAt } from './budgets.js';

interface Sum {
  period: string;
  base: Promise<number>;
  delta: number;
}

/** Budgets remembered before sums of past periods are dropped. */
const PRUNE_AT = 10_000;

/** Whether a ledger row counts for a budget. */
export function covers(budget: Budget, entry: NewUsage): boolean {
  switch (budget.scope) {
    case 'global':
      return true;
    case 'user':
      return entry.userId === budget.subject;
    case 'conversation':
      return entry.conversationKey === budget.subject;
    case 'channel':
      return entry.channel === budget.subject;
  }
}

export class RunningSums {
  private readonly sums = new Map<string, Sum & { budget: Budget }>();

  /** What `budget` used in the period containing `now`; `load` sums the ledger when needed. */
  async used(budget: Budget, now: number, load: () => Promise<number>): Promise<number> {
    const period = periodAt(budget.period, now).label;
    const key = budgetId(budget);
    let sum = this.sums.get(key);
    if (!sum || sum.period !== period) {
      if (this.sums.size >= PRUNE_AT) this.prune(now);
      sum = { budget, period, base: load(), delta: 0 };
      this.sums.set(key, sum);
    }
    const base = await sum.base.catch((error: unknown) => {
      if (this.sums.get(key) === sum) this.sums.delete(key);
      throw error;
    });
    return base + sum.delta;
  }

  /** Adds a recorded call to every remembered budget it counts for. */
  add(entry: NewUsage, cost: number): void {
    for (const sum of this.sums.values()) {
      if (sum.period !== periodAt(sum.budget.period, entry.at).label) continue;
      if (!covers(sum.budget, entry)) continue;
      sum.delta +=
        sum.budget.unit === 'tokens' ? entry.promptTokens + entry.completionTokens : cost;
    }
  }

  private prune(now: number): void {
    for (const [key, sum] of this.sums)
      if (sum.period !== periodAt(sum.budget.period, now).label) this.sums.delete(key);
  }
}
