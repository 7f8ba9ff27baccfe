/**
 * The throttle step of the sender pipeline, built on bottleneck from the limits an
 * adapter declares: one limiter per conversation (one job at a time, a minimum gap,
 * a per-window budget for groups) chained to one account-wide limiter. Jobs of one
 * conversation run strictly in submission order, which keeps chunk order.
 */
import Bottleneck from 'bottleneck';
import type { OutboundTarget, RateLimits } from '../../core/contract.js';

export class Throttle {
  private readonly global: Bottleneck;
  private readonly conversations: Bottleneck.Group;
  private readonly groups: Bottleneck.Group;

  private readonly unlimited: boolean;

  constructor(private readonly limits: RateLimits) {
    this.unlimited = !limits.global && !limits.perGroup && !limits.perConversationMinMs;
    // The account-wide limit is paced evenly (one job per windowMs/max): a reservoir
    // refreshes only on bottleneck's 250 ms heartbeat (losing up to a quarter of a
    // 1 s window) and sends its budget in bursts that arrival jitter turns into 429s.
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

  /**
   * Runs `job` when the target's conversation (and the account) may send again.
   * Channels that declare no limits (web, terminal) skip bottleneck: their order is
   * already kept by the conversation queue and the sequential chunk loop.
   */
  schedule<T>(target: OutboundTarget, job: () => Promise<T>): Promise<T> {
    if (this.unlimited) return job();
    const key = `${target.account}:${target.conversationId}`;
    const conversation = this.conversations.key(key);
    if (target.chatType === 'group' && this.limits.perGroup) {
      const group = this.groups.key(key);
      group.chain(this.global);
      conversation.chain(group);
    } else {
      conversation.chain(this.global);
    }
    return conversation.schedule(job);
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.global.stop({ dropWaitingJobs: false }),
      this.conversations.disconnect(),
      this.groups.disconnect(),
    ]);
  }
}
