/**
 * The throttle step of the sender pipeline, built on bottleneck from the limits an
 * adapter declares: one limiter per conversation (one job at a time, a minimum gap,
 * a per-window budget for groups) chained to one account-wide limiter. Jobs of one
 * conversation run strictly in submission order, which keeps chunk order.
 */
import Bottleneck from 'bottleneck';
import type { OutboundTarget, RateLimits } from '../../channels/adapter.js';

export class Throttle {
  private readonly global: Bottleneck;
  private readonly conversations: Bottleneck.Group;
  private readonly groups: Bottleneck.Group;

  constructor(private readonly limits: RateLimits) {
    this.global = new Bottleneck(
      limits.global
        ? {
            reservoir: limits.global.max,
            reservoirRefreshAmount: limits.global.max,
            reservoirRefreshInterval: limits.global.windowMs,
          }
        : {},
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

  /** Runs `job` when the target's conversation (and the account) may send again. */
  schedule<T>(target: OutboundTarget, job: () => Promise<T>): Promise<T> {
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
