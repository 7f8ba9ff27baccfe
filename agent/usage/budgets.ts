/**
 * Which budgets apply to a model call, the UTC period each one counts, and the
 * words for a budget that is reached or nearly so. Pure functions over the config;
 * the sums come from the usage ledger (`UsageStore`) in meter.ts.
 *
 *   attribution (user, conversation, channel) ─► budgetsFor() ─► Budget[] (scope × period × unit)
 */
import type { UsageAttribution, UsageQuery } from '../../sessions/usage-records.js';
import type { Limits, UsageConfig } from './config.js';

export type Scope = 'global' | 'user' | 'conversation' | 'channel';
export type Period = 'daily' | 'monthly';
export type Unit = 'tokens' | 'cost';

/** One cap that applies to a call. */
export interface Budget {
  scope: Scope;
  /** The user, conversation or channel it caps; undefined for `global`. */
  subject?: string;
  period: Period;
  unit: Unit;
  limit: number;
  /** The config key that sets it, for "an owner can raise it with …". */
  configKey: string;
  /** The environment variable that sets it too, if any. */
  env?: string;
}

/** The per-subject config of each scope: the default for all, and the map of exceptions. */
const scopes = [
  { scope: 'user', all: 'perUser', one: 'users', of: (a: UsageAttribution) => a.userId },
  {
    scope: 'conversation',
    all: 'perConversation',
    one: 'conversations',
    of: (a: UsageAttribution) => a.conversationKey,
  },
  { scope: 'channel', all: 'perChannel', one: 'channels', of: (a: UsageAttribution) => a.channel },
] as const;

const PERIODS: Period[] = ['daily', 'monthly'];
const UNITS: Unit[] = ['tokens', 'cost'];

/** Every budget of `limits` as Budgets, each with the key that sets it. */
function expand(
  limits: Limits | undefined,
  base: Omit<Budget, 'period' | 'unit' | 'limit' | 'configKey'>,
  keyOf: (period: Period, unit: Unit) => string,
): Budget[] {
  const out: Budget[] = [];
  for (const period of PERIODS)
    for (const unit of UNITS) {
      const limit = limits?.[period]?.[unit];
      if (limit !== undefined && limit > 0)
        out.push({ ...base, period, unit, limit, configKey: keyOf(period, unit) });
    }
  return out;
}

/** The budgets a call with this attribution counts against. */
export function budgetsFor(config: UsageConfig, attribution: UsageAttribution): Budget[] {
  const { budgets } = config;
  const global = expand(
    budgets.global,
    { scope: 'global' },
    (period, unit) => `usage.budgets.global.${period}.${unit}`,
  ).map((b) =>
    b.period === 'daily' && b.unit === 'tokens' ? { ...b, env: 'PARLEY_DAILY_TOKEN_BUDGET' } : b,
  );
  const scoped = scopes.flatMap(({ scope, all, one, of }) => {
    const subject = of(attribution);
    if (!subject) return [];
    const own = budgets[one][subject];
    return PERIODS.flatMap((period) => {
      const set = own?.[period]?.tokens !== undefined || own?.[period]?.cost !== undefined;
      const limits = set ? own : budgets[all];
      const key = set ? `usage.budgets.${one}["${subject}"]` : `usage.budgets.${all}`;
      const only = { [period]: limits?.[period] } as Limits;
      return expand(only, { scope, subject }, (p, unit) => `${key}.${p}.${unit}`);
    });
  });
  return [...global, ...scoped];
}

export interface PeriodBounds {
  from: number;
  to: number;
  label: string;
}

/** The period each kind was last asked for: every model call asks several times. */
const lastPeriod: Partial<Record<Period, PeriodBounds>> = {};

/** The UTC day or month containing `now`: its bounds and its label (`2026-12-02`, `2026-12`). */
export function periodAt(period: Period, now: number): PeriodBounds {
  const last = lastPeriod[period];
  if (last && now >= last.from && now < last.to) return last;
  const bounds = computePeriod(period, now);
  lastPeriod[period] = bounds;
  return bounds;
}

function computePeriod(period: Period, now: number): PeriodBounds {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (period === 'monthly') {
    const from = Date.UTC(year, month, 1);
    return {
      from,
      to: Date.UTC(year, month + 1, 1),
      label: new Date(from).toISOString().slice(0, 7),
    };
  }
  const from = Date.UTC(year, month, date.getUTCDate());
  return { from, to: from + 86_400_000, label: new Date(from).toISOString().slice(0, 10) };
}

/** The ledger query that sums what a budget has used in the period containing `now`. */
export function budgetQuery(budget: Budget, now: number): UsageQuery {
  const { from, to } = periodAt(budget.period, now);
  const filter =
    budget.scope === 'user'
      ? { userId: budget.subject }
      : budget.scope === 'conversation'
        ? { conversationKey: budget.subject }
        : budget.scope === 'channel'
          ? { channel: budget.subject }
          : {};
  return { from, to, ...filter };
}

/** A stable id of a budget (for alerts sent once per period). */
export const budgetId = (budget: Budget): string =>
  `${budget.scope}:${budget.subject ?? '*'}:${budget.period}:${budget.unit}`;

const numberFormat = new Intl.NumberFormat('en-US');

/** `12,345 tokens` or `1.23 USD`. */
export function amount(value: number, unit: Unit, currency: string): string {
  if (unit === 'tokens') return `${numberFormat.format(Math.round(value))} tokens`;
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `${value.toFixed(digits)} ${currency}`;
}

/** "the daily token budget for you (telegram:42)" and the like. */
export function budgetName(budget: Budget, audience: 'user' | 'owner'): string {
  const kind = `${budget.period} ${budget.unit === 'tokens' ? 'token' : 'cost'} budget`;
  switch (budget.scope) {
    case 'global':
      return `the ${kind} of this Parley (all users together)`;
    case 'user':
      return audience === 'user'
        ? `your ${kind} (${budget.subject})`
        : `the ${kind} of user ${budget.subject}`;
    case 'conversation':
      return `the ${kind} of this conversation (${budget.subject})`;
    case 'channel':
      return `the ${kind} of the ${budget.subject} channel`;
  }
}

/** When the period containing `now` ends, in words: "2026-12-03 00:00 UTC (in 5 h 12 min)". */
export function resetText(budget: Budget, now: number): string {
  const { to } = periodAt(budget.period, now);
  const stamp = `${new Date(to).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const minutes = Math.max(1, Math.ceil((to - now) / 60_000));
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const left =
    days >= 2 ? `${days} days` : hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
  return `${stamp} (in ${left})`;
}

/** Where an owner raises a budget: the key, and its variable when it has one. */
export function raiseText(budget: Budget): string {
  return `\`${budget.configKey}\` in parley.yaml${budget.env ? ` (or ${budget.env})` : ''}`;
}

/** A warning when cost budgets exist but `model` has no price (they could never be reached). */
export function unpricedWarning(
  config: UsageConfig,
  model: string,
  priced: boolean,
): string | undefined {
  if (priced) return undefined;
  const { budgets } = config;
  const all = [
    budgets.global,
    budgets.perUser,
    budgets.perConversation,
    budgets.perChannel,
    ...Object.values(budgets.users),
    ...Object.values(budgets.conversations),
    ...Object.values(budgets.channels),
  ];
  const costCaps = all.some(
    (limits) => limits?.daily?.cost !== undefined || limits?.monthly?.cost !== undefined,
  );
  if (!costCaps) return undefined;
  return `Cost budgets are set but the model "${model}" has no price, so they count nothing: add it to usage.prices (per million tokens), e.g. usage.prices: { "${model}": { input: 0.15, output: 0.6 } }.`;
}
