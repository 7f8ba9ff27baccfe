/**
 * Telegram outbound bench: 5,000 replies across 200 chats (20 of them groups)
 * through the real sender pipeline (render → chunk → throttle → retry) and the
 * Telegram adapter, against the Bot API double enforcing Telegram's limits
 * (30/s overall, 1/s per chat with a burst of 2, 20/min per group).
 *
 * To keep the run short every window, in the double and in the adapter's declared
 * limits alike, is multiplied by `scale` (printed); the ratios reported do not
 * depend on it. `achievedFraction` = achieved messages/s ÷ allowed messages/s
 * (global limit), measured from the first to the last accepted message.
 *
 * Env: PARLEY_BENCH_TELEGRAM_SCALE (default 0.5: 60 msg/s, ~90 s), PARLEY_BENCH_TELEGRAM_REPLIES.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Sender } from '../../bridge/outbound/sender.js';
import { TELEGRAM_RATE_LIMITS, TelegramChannel } from '../../channels/telegram/adapter.js';
import type { OutboundTarget, RateLimits } from '../../core/contract.js';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import { startTelegramDouble, TEST_BOT, TEST_TOKEN } from '../doubles/telegram.js';

const CHATS = 200;
const GROUPS = 20;

function scaled(limits: RateLimits, scale: number): RateLimits {
  return {
    perConversationMinMs: (limits.perConversationMinMs ?? 0) * scale,
    ...(limits.perGroup
      ? { perGroup: { max: limits.perGroup.max, windowMs: limits.perGroup.windowMs * scale } }
      : {}),
    ...(limits.global
      ? { global: { max: limits.global.max, windowMs: limits.global.windowMs * scale } }
      : {}),
  };
}

function targets(): OutboundTarget[] {
  return Array.from({ length: CHATS }, (_, i) =>
    i < GROUPS
      ? { account: 'default', conversationId: String(-1000 - i), chatType: 'group' as const }
      : { account: 'default', conversationId: String(1000 + i), chatType: 'dm' as const },
  );
}

export default async function bench(): Promise<Record<string, unknown>> {
  const scale = Number(process.env.PARLEY_BENCH_TELEGRAM_SCALE ?? 0.5);
  const replies = Number(process.env.PARLEY_BENCH_TELEGRAM_REPLIES ?? 5000);
  const double = await startTelegramDouble({ limits: { scale, perChatBurst: 2 } });
  const adapter = new TelegramChannel({
    token: TEST_TOKEN,
    apiRoot: double.apiRoot,
    botInfo: TEST_BOT,
    files: workspaceFiles(mkdtempSync(join(tmpdir(), 'parley-bench-tg-'))),
    rateLimits: scaled(TELEGRAM_RATE_LIMITS, scale),
    log: pino({ level: 'silent' }),
  });
  const sender = new Sender(adapter, { retry: { maxAttempts: 5, baseDelayMs: 50 } });
  const chats = targets();
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: replies }, (_, i) => {
      const target = chats[i % CHATS]!;
      return sender.send(target, `reply **${Math.floor(i / CHATS)}** to ${target.conversationId}`);
    }),
  );
  const wallMs = Date.now() - started;
  await sender.stop();
  await double.close();
  const times = double.sent.map((m) => m.at);
  const spanMs = Math.max(1, Math.max(...times) - Math.min(...times));
  const allowedPerSecond = 30 / scale;
  const achievedPerSecond = ((double.sent.length - 1) * 1000) / spanMs;
  return {
    replies,
    chats: CHATS,
    groups: GROUPS,
    scale,
    delivered: double.sent.length,
    failed: results.filter((r) => r.status === 'rejected').length,
    rateLimited429: double.rateLimited,
    orderViolations: orderViolations(double.sent),
    allowedPerSecond,
    achievedPerSecond: Math.round(achievedPerSecond * 10) / 10,
    achievedFraction: Math.round((achievedPerSecond / allowedPerSecond) * 1000) / 1000,
    wallSeconds: Math.round(wallMs / 100) / 10,
    realTimeEquivalentSeconds: Math.round(wallMs / scale / 1000),
  };
}

/** Replies of one chat that arrived after a later reply of the same chat. */
function orderViolations(sent: { chatId: string; text: string }[]): number {
  const last = new Map<string, number>();
  let violations = 0;
  for (const message of sent) {
    const seq = Number(/reply (\d+)/.exec(message.text)?.[1] ?? -1);
    if (seq <= (last.get(message.chatId) ?? -1)) violations++;
    last.set(message.chatId, seq);
  }
  return violations;
}
