import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import type { NewUsage } from '../sessions/stores.js';
import { tempDir, testConfig, writeTestConfigFile } from '../test/harness.js';
import { validate } from './config/load.js';
import { budgetSummary, parseUsageArgs, usageCommand } from './usage.js';

const NOW = Date.UTC(2026, 11, 2, 12);
const DAY = 86_400_000;

async function ledger(dataDir: string, now = NOW): Promise<void> {
  const stores = openSqliteStores(join(dataDir, 'parley.db'));
  const call = (at: number, extra: Partial<NewUsage>): NewUsage => ({
    at,
    model: 'gpt-4o-mini',
    promptTokens: 1000,
    completionTokens: 200,
    cachedTokens: 0,
    latencyMs: 300,
    cost: 0.0003,
    userId: 'telegram:42',
    conversationKey: 'telegram:bot:42',
    channel: 'telegram',
    ...extra,
  });
  await stores.usage.record(call(now - 1000, {}));
  await stores.usage.record(
    call(NOW - 2000, { userId: 'web:alice', channel: 'web', model: 'llama3', cost: null }),
  );
  await stores.usage.record(call(now - DAY, {}));
  await stores.close();
}

describe('parley usage', () => {
  it('prints today, this month, budgets and the breakdowns from the ledger', async () => {
    const config = testConfig({
      usage: {
        budgets: {
          perUser: { daily: { tokens: 10_000 } },
          users: { 'telegram:42': { monthly: { cost: 5 } } },
        },
      },
    });
    await ledger(config.dataDir);
    const lines: string[] = [];
    expect(await usageCommand(['--days', '7'], config, (line = '') => lines.push(line), NOW)).toBe(
      0,
    );
    const text = lines.join('\n');
    expect(text).toContain('Usage of everyone (UTC days; cost in USD)');
    expect(text).toContain('today:      2,400 tokens in 2 calls · 0.0003 USD (1 without a price)');
    expect(text).toContain('this month: 3,600 tokens in 3 calls · 0.0006 USD (1 without a price)');
    expect(text).toMatch(
      /the daily token budget of this Parley \(all users together\): 2,400 tokens of 2,000,000 tokens \(0 %\), resets 2026-12-03 00:00 UTC \(in 12 h 0 min\) {2}\[usage\.budgets\.global\.daily\.tokens\]/,
    );
    expect(text).toContain(
      'your daily token budget (telegram:42): 1,200 tokens of 10,000 tokens (12 %)',
    );
    expect(text).toContain('[usage.budgets.users["telegram:42"].monthly.cost]');
    expect(text).toMatch(
      /By model \(last 7 days\):\n {2}gpt-4o-mini +2,400 tokens in 2 calls · 0\.0006 USD\n {2}llama3 +1,200 tokens in 1 call\n/,
    );
    expect(text).toMatch(
      /By day \(last 7 days\):\n {2}2026-12-01 +1,200 tokens in 1 call · 0\.0003 USD\n {2}2026-12-02 +2,400 tokens/,
    );
  });

  it('narrows to one user, prints JSON, and refuses bad flags with the usage line', async () => {
    const config = testConfig({});
    await ledger(config.dataDir);
    const lines: string[] = [];
    expect(
      await usageCommand(
        ['--user', 'web:alice', '--json'],
        config,
        (line = '') => lines.push(line),
        NOW,
      ),
    ).toBe(0);
    const report = JSON.parse(lines.join('\n'));
    expect(report.today).toMatchObject({ calls: 1, tokens: 1200, unpricedCalls: 1 });
    expect(report.byUser).toEqual([expect.objectContaining({ key: 'web:alice' })]);
    expect(parseUsageArgs(['--days', '0'])).toMatch(/^Unexpected "--days 0"\. Usage: parley usage/);
    expect(parseUsageArgs(['--user', 'alice'])).toMatch(/Unexpected/);
  });

  it('sums up the budgets for `parley config validate`', () => {
    expect(budgetSummary(validate({}).usage)).toBe(
      '2,000,000 tokens per UTC day in total (usage.budgets.global.daily.tokens)',
    );
    const set = validate({
      usage: { budgets: { global: { daily: { tokens: 0 } }, perUser: { monthly: { cost: 2 } } } },
    });
    expect(budgetSummary(set.usage)).toBe(
      'no global cap, and per user/conversation/channel caps (parley usage lists them)',
    );
  });

  it('runs as `parley usage` on the configured data folder', async () => {
    const dir = tempDir();
    const path = writeTestConfigFile(dir);
    await ledger(join(dir, 'data'), Date.now());
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'cli/parley.ts', 'usage', '--days', '366'],
      {
        env: { PATH: process.env.PATH, PARLEY_CONFIG: path },
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage of everyone');
    expect(result.stdout).toMatch(
      /By user \(last 366 days\):\n {2}telegram:42 +2,400 tokens in 2 calls/,
    );
  });
});
