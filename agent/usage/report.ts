/**
 * Usage read back for people: `/usage` in chat, `parley usage` and the admin page.
 * Sums come from the ledger (`UsageStore`); budgets with what they used from the
 * meter. Days and months are UTC, like the budgets.
 */
import type { UsageStore } from '../../sessions/stores.js';
import type { UsageAttribution, UsageRow, UsageTotals } from '../../sessions/usage-records.js';
import { amount, type Budget, budgetId, budgetName, periodAt, resetText } from './budgets.js';
import type { BudgetStatus, UsageMeter } from './meter.js';

const DAY = 86_400_000;
const count = new Intl.NumberFormat('en-US');

/** "12,345 tokens (2,000 cached) in 12 calls · 0.0123 USD (3 calls without a price)". */
export function totalsLine(totals: UsageTotals, currency: string): string {
  if (totals.calls === 0) return 'nothing yet';
  const cached = totals.cachedTokens ? ` (${count.format(totals.cachedTokens)} cached)` : '';
  const calls = `${count.format(totals.calls)} call${totals.calls === 1 ? '' : 's'}`;
  const priced = totals.calls - totals.unpricedCalls;
  const cost = priced > 0 ? ` · ${amount(totals.cost, 'cost', currency)}` : '';
  const unpriced =
    totals.unpricedCalls && priced > 0 ? ` (${totals.unpricedCalls} without a price)` : '';
  return `${amount(totals.tokens, 'tokens', currency)}${cached} in ${calls}${cost}${unpriced}`;
}

/** "your daily token budget (telegram:42): 1,234 of 10,000 tokens (12 %), resets …". */
export function budgetLine(status: BudgetStatus, currency: string, now: number): string {
  const percent = Math.floor(status.fraction * 100);
  return (
    `${budgetName(status, 'user')}: ${amount(status.used, status.unit, currency)} of ` +
    `${amount(status.limit, status.unit, currency)} (${percent} %), resets ${resetText(status, now)}`
  );
}

/** Today and this month (UTC) of the rows matching `filter`. */
export async function todayAndMonth(
  store: UsageStore,
  filter: UsageAttribution,
  now: number,
): Promise<{ today: UsageTotals; month: UsageTotals }> {
  const day = periodAt('daily', now);
  const month = periodAt('monthly', now);
  return {
    today: await store.totals({ ...filter, from: day.from, to: day.to }),
    month: await store.totals({ ...filter, from: month.from, to: month.to }),
  };
}

/** The `/usage` answer: the sender's own usage, or (`all`, owners only) everyone's. */
export async function usageText(
  meter: UsageMeter,
  who: { attribution: UsageAttribution; owner: boolean; all: boolean },
  now = Date.now(),
): Promise<string> {
  const currency = meter.config.currency;
  const userId = who.attribution.userId;
  if (who.all && !who.owner) return 'Only owners can see the usage of everyone. Try /usage.';
  const filter = who.all ? {} : { userId };
  const { today, month } = await todayAndMonth(meter.store, filter, now);
  const lines = [
    who.all ? 'Usage of everyone:' : `Your usage (${userId}):`,
    `today: ${totalsLine(today, currency)}`,
    `this month: ${totalsLine(month, currency)}`,
  ];
  if (who.all) {
    const day = periodAt('daily', now);
    const users = await meter.store.breakdown('user', { from: day.from, to: day.to });
    if (users.length)
      lines.push(
        'today by user:',
        ...users
          .slice(0, 10)
          .map((row) => `- ${row.key ?? '(none)'}: ${totalsLine(row, currency)}`),
      );
  }
  // A user sees the budgets that are theirs; owners also see the shared ones.
  const mine = (b: Budget) => who.owner || b.scope === 'user' || b.scope === 'conversation';
  const budgets = (await meter.statusOf(who.attribution, now)).filter(mine);
  if (budgets.length)
    lines.push('Budgets:', ...budgets.map((status) => `- ${budgetLine(status, currency, now)}`));
  if (!who.all && who.owner) lines.push('Everyone: /usage all');
  return lines.join('\n');
}

/** The admin page's figures: today, this month, and the last `days` days by user, channel, model and day. */
export interface UsageReport {
  currency: string;
  now: number;
  days: number;
  today: UsageTotals;
  month: UsageTotals;
  byUser: UsageRow[];
  byChannel: UsageRow[];
  byModel: UsageRow[];
  byDay: UsageRow[];
  budgets: (BudgetStatus & { name: string })[];
}

/**
 * The figures of the last `days` UTC days (today included). `filter` narrows every
 * sum (e.g. one user); without it the budgets listed are the global ones and those
 * configured for one user, conversation or channel.
 */
export async function usageReport(
  meter: UsageMeter,
  days: number,
  now = Date.now(),
  filter: UsageAttribution = {},
): Promise<UsageReport> {
  const { store, config } = meter;
  const range = { ...filter, from: periodAt('daily', now).from - (days - 1) * DAY, to: now + 1 };
  const { today, month } = await todayAndMonth(store, filter, now);
  const filtered = Object.values(filter).some((value) => value !== undefined);
  const subjects: UsageAttribution[] = filtered
    ? [filter]
    : [
        {},
        ...Object.keys(config.budgets.users).map((userId) => ({ userId })),
        ...Object.keys(config.budgets.conversations).map((conversationKey) => ({
          conversationKey,
        })),
        ...Object.keys(config.budgets.channels).map((channel) => ({ channel })),
      ];
  const budgets = new Map<string, BudgetStatus & { name: string }>();
  for (const subject of subjects)
    for (const status of await meter.statusOf(subject, now))
      budgets.set(budgetId(status), { ...status, name: budgetName(status, 'owner') });
  return {
    currency: config.currency,
    now,
    days,
    today,
    month,
    byUser: await store.breakdown('user', range),
    byChannel: await store.breakdown('channel', range),
    byModel: await store.breakdown('model', range),
    byDay: (await store.breakdown('day', range)).sort((a, b) =>
      (a.key ?? '').localeCompare(b.key ?? ''),
    ),
    budgets: [...budgets.values()],
  };
}
