/**
 * The throttle step: holds each call until the adapter's declared rate limits
 * (`capabilities.rateLimits`, numbers from PLATFORMS.md) allow it.
 *
 *   format → chunk → plain fallback → [throttle] → retry → mapErrors → adapter.send
 *
 * Three limits, checked in this order for every call:
 * - per conversation: one call at a time, in submission order (which keeps a reply's
 *   pieces in order), starting at least `perConversationMinMs` after the previous one;
 * - per group conversation: at most `perGroup.max` calls in any `perGroup.windowMs`
 *   (a sliding window over the last call starts);
 * - per account: calls paced evenly, one every `global.windowMs / global.max` (an even
 *   pace instead of a burst budget, whose bursts arrival jitter turns into 429s).
 *
 * Retries run inside the throttle: a retry's wait holds its conversation's turn.
 * Channels that declare no limits (web, terminal) pass straight through.
 */
import type { OutboundTarget, RateLimits } from '../../core/contract.js';
import type { Wrap } from './pipeline.js';

/** One conversation's turn-taking state. */
interface Lane {
  /** Settles when the lane's last queued call has finished. */
  tail: Promise<unknown>;
  /** Calls queued or running. */
  pending: number;
  /** Start time of the previous call. */
  lastStart: number;
  /** Start times inside the group window, oldest first (groups only). */
  starts: number[];
  /** Forgets an idle lane once its history no longer limits anything. */
  expiry?: NodeJS.Timeout;
}

export class RateLimiter {
  private readonly lanes = new Map<string, Lane>();
  private readonly sleeps = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly unlimited: boolean;
  private readonly globalGapMs: number;
  private nextGlobalStart = 0;
  private stopped = false;

  constructor(private readonly limits: RateLimits) {
    this.unlimited = !limits.global && !limits.perGroup && !limits.perConversationMinMs;
    this.globalGapMs = limits.global ? limits.global.windowMs / limits.global.max : 0;
  }

  /** Runs `job` when the target's conversation, its group window and the account allow. */
  schedule<T>(target: OutboundTarget, job: () => Promise<T>): Promise<T> {
    if (this.unlimited) return job();
    const key = `${target.account}:${target.conversationId}`;
    const lane = this.laneFor(key);
    const group = target.chatType === 'group' ? this.limits.perGroup : undefined;
    const run = lane.tail.then(async () => {
      await this.awaitTurn(lane, group);
      const call = job();
      this.running.add(call);
      return call.finally(() => this.running.delete(call));
    });
    lane.tail = run.catch(() => {});
    lane.pending++;
    void lane.tail.then(() => this.release(key, lane));
    return run;
  }

  /** Conversations whose limits are tracked (idle ones are forgotten after their window). */
  get trackedConversations(): number {
    return this.lanes.size;
  }

  /**
   * Stops starting calls: calls already at the platform finish (awaited), calls still
   * waiting for their turn are never made (their replies stay in the inbox and are
   * delivered after the next start).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.sleeps) clearTimeout(timer);
    this.sleeps.clear();
    for (const lane of this.lanes.values()) clearTimeout(lane.expiry);
    await Promise.allSettled([...this.running]);
  }

  private laneFor(key: string): Lane {
    const lane = this.lanes.get(key) ?? {
      tail: Promise.resolve(),
      pending: 0,
      lastStart: 0,
      starts: [],
    };
    clearTimeout(lane.expiry);
    this.lanes.set(key, lane);
    return lane;
  }

  /** Waits out the conversation gap, the group window and the account pace, in turn. */
  private async awaitTurn(lane: Lane, group: RateLimits['perGroup']): Promise<void> {
    await this.sleepUntil(lane.lastStart + (this.limits.perConversationMinMs ?? 0));
    if (group) {
      while (lane.starts.length > 0 && lane.starts[0]! <= Date.now() - group.windowMs)
        lane.starts.shift();
      if (lane.starts.length >= group.max)
        await this.sleepUntil(lane.starts.at(-group.max)! + group.windowMs);
    }
    if (this.globalGapMs > 0) {
      const slot = Math.max(Date.now(), this.nextGlobalStart);
      this.nextGlobalStart = slot + this.globalGapMs;
      await this.sleepUntil(slot);
    }
    lane.lastStart = Date.now();
    if (group) lane.starts.push(lane.lastStart);
  }

  /** Resolves at `time`; never resolves once the limiter is stopped. */
  private sleepUntil(time: number): Promise<void> {
    const wait = time - Date.now();
    if (this.stopped) return new Promise(() => {});
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, wait);
      this.sleeps.add(timer);
    });
  }

  /** Drops an idle lane once neither its gap nor its group window still applies. */
  private release(key: string, lane: Lane): void {
    if (--lane.pending > 0 || this.stopped) return;
    const keepMs = Math.max(
      this.limits.perConversationMinMs ?? 0,
      this.limits.perGroup?.windowMs ?? 0,
    );
    lane.expiry = setTimeout(() => {
      if (lane.pending === 0) this.lanes.delete(key);
    }, keepMs);
    lane.expiry.unref();
  }
}

/** The throttle step as a wrap: every call waits for `limiter`. */
export function throttle(limiter: RateLimiter): Wrap {
  return (next) => (target, message) => limiter.schedule(target, () => next(target, message));
}
