/**
 * The usage panel of the admin page: today and this month, each budget with a bar
 * of what it used, and the last 30 days by user, channel, model and day, from
 * `GET /api/usage`. Refreshed on load, by its button and every 60 s (the report sums the ledger).
 */
import { api } from './api.js';
import { $, el, fill } from './dom.js';
import type { BudgetStatus, UsageReport, UsageRow, UsageTotals } from './types.js';

const count = new Intl.NumberFormat('en-US');

function money(value: number, currency: string): string {
  return `${value.toFixed(value !== 0 && value < 0.01 ? 4 : 2)} ${currency}`;
}

function totals(t: UsageTotals, currency: string): string {
  if (t.calls === 0) return 'nothing yet';
  const priced = t.calls - t.unpricedCalls;
  return (
    `${count.format(t.tokens)} tokens (${count.format(t.cachedTokens)} cached), ${count.format(t.calls)} calls` +
    (priced > 0 ? `, ${money(t.cost, currency)}` : '')
  );
}

function budgetItem(b: BudgetStatus, currency: string): HTMLElement {
  const used = b.unit === 'tokens' ? count.format(b.used) : money(b.used, currency);
  const limit = b.unit === 'tokens' ? `${count.format(b.limit)} tokens` : money(b.limit, currency);
  const percent = Math.min(100, Math.floor(b.fraction * 100));
  const state = b.fraction >= 1 ? 'reached' : b.fraction >= 0.8 ? 'warn' : 'ok';
  return el('div', { class: 'budget', 'data-budget': b.configKey, 'data-state': state }, [
    el('div', { text: `${b.name}: ${used} of ${limit} (${percent} %)` }),
    el('div', { class: 'bar' }, [el('span', { style: `width:${percent}%` })]),
    el('div', {
      class: 'empty',
      text: `resets ${new Date(b.resetsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC · ${b.configKey}`,
    }),
  ]);
}

function table(id: string, title: string, rows: UsageRow[], currency: string): HTMLElement {
  const body = rows.map((r) =>
    el('tr', {}, [
      el('td', { text: r.key ?? '(none)' }),
      el('td', { text: count.format(r.tokens) }),
      el('td', { text: count.format(r.calls) }),
      el('td', { text: r.calls > r.unpricedCalls ? money(r.cost, currency) : '–' }),
    ]),
  );
  return el('div', { 'data-usage': id }, [
    el('h3', { text: title }),
    el('table', {}, [
      el('thead', {}, [
        el(
          'tr',
          {},
          ['', 'tokens', 'calls', 'cost'].map((h) => el('th', { text: h })),
        ),
      ]),
      el(
        'tbody',
        {},
        body.length ? body : [el('tr', {}, [el('td', { text: 'none', class: 'empty' })])],
      ),
    ]),
  ]);
}

export async function loadUsage(): Promise<void> {
  const report = await api<UsageReport>('GET', '/api/usage?days=30');
  const { currency } = report;
  $('usage-totals').textContent =
    `today: ${totals(report.today, currency)} · this month: ${totals(report.month, currency)} (UTC)`;
  fill(
    $('usage-budgets'),
    report.budgets.map((b) => budgetItem(b, currency)),
    'No budgets (usage.budgets in parley.yaml).',
  );
  $('usage-tables').replaceChildren(
    table('user', 'By user (30 days)', report.byUser, currency),
    table('channel', 'By channel', report.byChannel, currency),
    table('model', 'By model', report.byModel, currency),
    table('day', 'By day', [...report.byDay].reverse(), currency),
  );
}
