/**
 * Throttle bench: CPU per send of the sender's throttle step, the plain window
 * limiter (`bridge/outbound/throttle.ts`) against the bottleneck-based one it
 * replaced (kept below as the reference, same limits and same chaining), with a
 * platform call that does nothing, so only the throttle's own cost is measured.
 *
 * 5,000 sends over 200 conversations (20 groups) with small limits (1 ms gap per
 * conversation, 100 per second per group, 50,000 per second overall) so the run
 * is short while every limit is exercised. Figures: CPU µs per send (user+system,
 * median of `rounds`), wall ms per round, order violations (must be 0).
 *
 * Env: PARLEY_BENCH_THROTTLE_SENDS (default 5000), PARLEY_BENCH_THROTTLE_ROUNDS (3).
 */
import Bottleneck from 'bottleneck';
import { RateLimiter } from '../../bridge/outbound/throttle.js';
import type { OutboundTarget, RateLimits } from '../../core/contract.js';

const CONVERSATIONS = 200;
const GROUPS = 20;
const LIMITS: RateLimits = {
  perConversationMinMs: 1,
  perGroup: { max: 100, windowMs: 1000 },
  global: { max: 50_000, windowMs: 1000 },
};

interface Limiter {
  schedule<T>(target: OutboundTarget, job: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** The throttle as it was, on bottleneck: conversation → group → account limiters. */
class BottleneckLimiter implements Limiter {
  private readonly global: Bottleneck;
  private readonly conversations: Bottleneck.Group;
  private readonly groups: Bottleneck.Group;
  constructor(private readonly limits: RateLimits) {
    this.global = new Bottleneck(
      limits.global ? { minTime: limits.global.windowMs / limits.global.max } : {},
    );
    this.conversations = new Bottleneck.Group({
      maxConcurrent: 1,
      minTime: limits.perConversationMinMs ?? 0,
    });
    this.groups = new Bottleneck.Group(
      limits.perGroup
        ? {
            reservoir: limits.perGroup.max,
            reservoirRefreshAmount: limits.perGroup.max,
            reservoirRefreshInterval: limits.perGroup.windowMs,
          }
        : {},
    );
  }
  schedule<T>(target: OutboundTarget, job: () => Promise<T>): Promise<T> {
    const key = `${target.account}:${target.conversationId}`;
    const conversation = this.conversations.key(key);
    if (target.chatType === 'group' && this.limits.perGroup) {
      const group = this.groups.key(key);
      group.chain(this.global);
      conversation.chain(group);
    } else conversation.chain(this.global);
    return conversation.schedule(job);
  }
  async stop(): Promise<void> {
    await this.global.stop({ dropWaitingJobs: false });
    await Promise.all([this.conversations.disconnect(), this.groups.disconnect()]);
  }
}

const targets: OutboundTarget[] = Array.from({ length: CONVERSATIONS }, (_, i) => ({
  account: 'bench',
  conversationId: `c${i}`,
  chatType: i < GROUPS ? 'group' : 'dm',
}));

/** One round: every send scheduled at once; resolves when all were made. */
async function round(limiter: Limiter, sends: number) {
  const order = new Map<string, number>();
  let violations = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sends }, (_, i) => {
      const target = targets[i % CONVERSATIONS]!;
      return limiter.schedule(target, async () => {
        if ((order.get(target.conversationId) ?? -1) > i) violations++;
        order.set(target.conversationId, i);
        return i;
      });
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await limiter.stop();
  return { cpuUsPerSend: (used.user + used.system) / sends, wallMs, violations };
}

async function measure(make: () => Limiter, sends: number, rounds: number) {
  await round(make(), Math.min(sends, 2000)); // warm-up
  const results = [];
  for (let i = 0; i < rounds; i++) results.push(await round(make(), sends));
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    cpuUsPerSend: Math.round(median(results.map((r) => r.cpuUsPerSend)) * 10) / 10,
    wallMsPerRound: Math.round(median(results.map((r) => r.wallMs))),
    orderViolations: results.reduce((sum, r) => sum + r.violations, 0),
  };
}

export default async function bench(): Promise<Record<string, unknown>> {
  const sends = Number(process.env.PARLEY_BENCH_THROTTLE_SENDS ?? 5000);
  const rounds = Number(process.env.PARLEY_BENCH_THROTTLE_ROUNDS ?? 3);
  const plain = await measure(() => new RateLimiter(LIMITS), sends, rounds);
  const bottleneck = await measure(() => new BottleneckLimiter(LIMITS), sends, rounds);
  return {
    sends,
    conversations: CONVERSATIONS,
    groups: GROUPS,
    rounds,
    plainWindow: plain,
    bottleneck,
    cpuRatio: Math.round((bottleneck.cpuUsPerSend / plain.cpuUsPerSend) * 10) / 10,
  };
}
