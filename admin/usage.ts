/**
 * The admin page's usage API: `GET /api/usage?days=30` returns today's and this
 * month's totals (UTC), the last `days` days by user, channel, model and day, and
 * every configured budget with what it used in its current period. Read-only; the
 * figures come from the usage ledger through the meter (agent/usage/report.ts).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import type { UsageMeter } from '../agent/usage/meter.js';
import { usageReport } from '../agent/usage/report.js';
import { op } from './api.js';
import * as s from './schemas.js';

const { z } = s;

const Totals = z
  .object({
    calls: z.number().int(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    cachedTokens: z.number().int().openapi({ description: 'Part of promptTokens.' }),
    tokens: z.number().int().openapi({ description: 'promptTokens + completionTokens' }),
    cost: z.number().openapi({ description: 'Sum of the priced calls, in `currency`.' }),
    unpricedCalls: z.number().int().openapi({ description: 'Calls of models without a price.' }),
  })
  .openapi('UsageTotals');

const Row = Totals.extend({
  key: z
    .string()
    .nullable()
    .openapi({ description: 'User, channel, model or UTC day; null when the call had none.' }),
}).openapi('UsageRow');

const BudgetStatus = z
  .object({
    name: z
      .string()
      .openapi({ examples: ['the daily token budget of this Parley (all users together)'] }),
    scope: z.enum(['global', 'user', 'conversation', 'channel']),
    subject: z.string().optional(),
    period: z.enum(['daily', 'monthly']),
    unit: z.enum(['tokens', 'cost']),
    limit: z.number(),
    used: z.number(),
    fraction: z.number().openapi({ description: 'used / limit' }),
    resetsAt: z.number().int().openapi({ description: 'End of the period, ms since epoch (UTC).' }),
    configKey: z.string().openapi({ examples: ['usage.budgets.global.daily.tokens'] }),
    env: z.string().optional(),
  })
  .openapi('BudgetStatus');

export const UsageReport = z
  .object({
    currency: z.string(),
    now: z.number().int(),
    days: z.number().int(),
    today: Totals,
    month: Totals,
    byUser: Row.array(),
    byChannel: Row.array(),
    byModel: Row.array(),
    byDay: Row.array().openapi({ description: 'Oldest day first; days without calls are absent.' }),
    budgets: BudgetStatus.array(),
  })
  .openapi('UsageReport');

const Query = z.object({
  days: z.string().optional().openapi({ type: 'integer', minimum: 1, maximum: 366, default: 30 }),
});

export function registerUsage(api: OpenAPIHono, usage: UsageMeter): void {
  const route = createRoute({
    method: 'get',
    path: '/api/usage',
    summary: 'Model usage and cost by user, channel, model and day; budgets with what they used',
    request: { query: Query },
    responses: { 200: s.json(UsageReport), ...s.UNAUTHORIZED },
  });
  op(api, route, async (c) => {
    const days = Math.min(366, Math.max(1, Math.floor(Number(c.req.query('days'))) || 30));
    return c.json(await usageReport(usage, days));
  });
}
