/**
 * `parley usage [--days N] [--user channel:id] [--json]`: model usage and cost from
 * the ledger of the configured stores (parley.db, or Postgres): today, this month, the
 * last N days by model, user, channel and day, and every budget with what it used.
 * Works beside a running Parley (it only reads). Days and months are UTC.
 */
import { amount, budgetsFor } from '../agent/usage/budgets.js';
import type { UsageConfig } from '../agent/usage/config.js';
import { UsageMeter } from '../agent/usage/meter.js';
import { budgetLine, totalsLine, type UsageReport, usageReport } from '../agent/usage/report.js';
import type { UsageRow } from '../sessions/stores.js';
import type { ParleyConfig } from './config/schema.js';
import { openStores } from './stores.js';

type Out = (line?: string) => void;

const USAGE_HELP = 'Usage: parley usage [--days <1-366>] [--user <channel:id>] [--json]';

interface UsageArgs {
  days: number;
  user?: string;
  json: boolean;
}

/** Parses the flags; a string is the error to print. */
export function parseUsageArgs(args: string[]): UsageArgs | string {
  const parsed: UsageArgs = { days: 30, json: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === '--json') parsed.json = true;
    else if (flag === '--days' && value && /^\d+$/.test(value) && +value >= 1 && +value <= 366) {
      parsed.days = Number(value);
      i++;
    } else if (flag === '--user' && value && /^[a-z]+:.+$/.test(value)) {
      parsed.user = value;
      i++;
    } else return `Unexpected "${args.slice(i).join(' ')}". ${USAGE_HELP}`;
  }
  return parsed;
}

function rows(title: string, list: UsageRow[], currency: string, out: Out): void {
  if (list.length === 0) return;
  out(title);
  for (const row of list) out(`  ${(row.key ?? '(none)').padEnd(28)} ${totalsLine(row, currency)}`);
}

/** The global budgets in one line for `parley config validate`, e.g. "2,000,000 tokens per UTC day (…)". */
export function budgetSummary(config: UsageConfig): string {
  const global = budgetsFor(config, {});
  const per = config.budgets;
  const scoped = [
    ...Object.keys(per.users),
    ...Object.keys(per.conversations),
    ...Object.keys(per.channels),
  ].length;
  const defaults = [per.perUser, per.perConversation, per.perChannel].some(
    (limits) =>
      limits.daily.tokens ?? limits.daily.cost ?? limits.monthly.tokens ?? limits.monthly.cost,
  );
  const parts = global.map(
    (b) =>
      `${amount(b.limit, b.unit, config.currency)} per UTC ${b.period === 'daily' ? 'day' : 'month'} in total (${b.configKey})`,
  );
  if (parts.length === 0) parts.push('no global cap');
  if (defaults || scoped)
    parts.push('and per user/conversation/channel caps (parley usage lists them)');
  return parts.join(', ');
}

/** The report as lines for a terminal. */
export function printReport(report: UsageReport, who: string, out: Out): void {
  const { currency, now } = report;
  out(`Usage of ${who} (UTC days; cost in ${currency})`);
  out(`  today:      ${totalsLine(report.today, currency)}`);
  out(`  this month: ${totalsLine(report.month, currency)}`);
  if (report.budgets.length) {
    out('Budgets:');
    for (const budget of report.budgets)
      out(`  ${budgetLine(budget, currency, now)}  [${budget.configKey}]`);
  } else out('Budgets: none (usage.budgets in parley.yaml)');
  const last = `last ${report.days} day${report.days === 1 ? '' : 's'}`;
  rows(`By model (${last}):`, report.byModel, currency, out);
  rows(`By user (${last}):`, report.byUser, currency, out);
  rows(`By channel (${last}):`, report.byChannel, currency, out);
  rows(`By day (${last}):`, report.byDay, currency, out);
}

export async function usageCommand(
  args: string[],
  config: ParleyConfig,
  out: Out = (line = '') => process.stdout.write(`${line}\n`),
  now = Date.now(),
): Promise<number> {
  const parsed = parseUsageArgs(args);
  if (typeof parsed === 'string') {
    out(parsed);
    return 2;
  }
  const stores = await openStores(config);
  try {
    const meter = new UsageMeter(stores.usage, config.usage);
    const report = await usageReport(
      meter,
      parsed.days,
      now,
      parsed.user ? { userId: parsed.user } : {},
    );
    if (parsed.json) out(JSON.stringify(report, null, 2));
    else printReport(report, parsed.user ?? 'everyone', out);
    return 0;
  } finally {
    await stores.close();
  }
}
