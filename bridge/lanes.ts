/**
 * Work shared by several nodes: each worker node leases lanes (a conversation's
 * unfinished inbox rows) from a {@link WorkQueue} and runs their rows one at a time,
 * oldest first, through the bridge — the multi-node counterpart of
 * {@link ConversationQueue}.
 *
 *   accept (any node) ─► inbox row ─NOTIFY─► claim (a worker with free slots)
 *     ─► lane: next ─► bridge.runClaimed(entry, fenced inbox) ─► next … ─► release
 *           └ renew every leaseMs/3; a lost lease stops the lane at once
 *
 * A node that dies (SIGKILL) stops renewing; after `leaseMs` another node's claim
 * takes the lane with a higher fence and resumes from what the inbox recorded. A node
 * paused past its lease (SIGSTOP) finds, when it wakes, its own clock check failing
 * before any send and its fence refused by every write, so it delivers nothing.
 */
import type { Logger } from 'pino';
import type { InboxEntry } from '../sessions/records.js';
import {
  type InboxStore,
  type LaneLease,
  LeaseLostError,
  type WorkQueue,
} from '../sessions/stores.js';

export interface LaneOptions {
  /** Lanes this node runs at once. */
  concurrency: number;
  /** Claims are also tried this often (a missed notification only delays work). */
  pollMs: number;
  /** Called on every notification that some node accepted a row (queue mode `interrupt`). */
  onAccepted?: () => void;
}

export type RunClaimed = (entry: InboxEntry, inbox: InboxStore) => Promise<void>;

export class LaneDispatcher {
  private readonly running = new Map<string, Promise<void>>();
  private claiming: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly work: WorkQueue,
    private readonly run: RunClaimed,
    private readonly log: Logger,
    private readonly options: LaneOptions,
  ) {}

  /** Lanes running on this node. */
  get active(): number {
    return this.running.size;
  }

  /** The lanes this node holds, for /readyz and the admin page. */
  get lanes(): string[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.unlisten = await this.work.listen(() => {
      this.options.onAccepted?.();
      this.wake();
    });
    this.poll = setInterval(() => this.wake(), this.options.pollMs);
    this.poll.unref();
    this.wake();
  }

  /**
   * Tries to claim lanes soon (a row was accepted, a lane finished, or the poll).
   * Wake-ups that arrive together (a burst of notifications) make one claim round.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.claimRound())
      .finally(() => {
        this.claiming = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops claiming; running lanes finish their row for up to `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.unlisten?.();
    await this.claiming;
    const all = Promise.allSettled(this.running.values());
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  }

  private async claimRound(): Promise<void> {
    try {
      const free = this.options.concurrency - this.running.size;
      for (const lease of await this.work.claim(free)) this.startLane(lease);
    } catch (error) {
      this.log.warn({ err: error }, 'claiming work failed; trying again');
    }
  }

  private startLane(lease: LaneLease): void {
    const lane = this.runLane(lease)
      .catch((error) => this.log.error({ err: error, lane: lease.lane }, 'lane failed'))
      .finally(() => {
        this.running.delete(lease.lane);
        this.wake();
      });
    this.running.set(lease.lane, lane);
  }

  /** Runs the lane's rows in order while the lease holds; renews it in the background. */
  private async runLane(lease: LaneLease): Promise<void> {
    const held = new LeaseClock(this.work.leaseMs);
    let lost = false;
    const renew = setInterval(async () => {
      const started = performance.now();
      const ok = await this.work.renew(lease).catch(() => false);
      if (ok) held.renewedAt(started);
      else lost = true;
    }, this.work.leaseMs / 3);
    const inbox = this.work.fenced(lease, () => !lost && held.valid());
    try {
      while (!this.stopped && !lost) {
        const entry = await this.work.next(lease);
        if (!entry) {
          if ((await this.work.release(lease)) !== 'more') return;
          continue;
        }
        if (!(await this.runOne(entry, inbox, lease))) return;
      }
    } finally {
      clearInterval(renew);
    }
  }

  /** False when the lease was lost: this node must not touch the lane any more. */
  private async runOne(entry: InboxEntry, inbox: InboxStore, lease: LaneLease): Promise<boolean> {
    try {
      await this.run(entry, inbox);
      return true;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.log.warn(
        { lane: lease.lane, fence: lease.fence, inboxId: entry.id },
        'lane lease lost (another node took it over); this node records and sends nothing more for it',
      );
      return false;
    }
  }
}

/**
 * The node's own view of how long its lease lasts, on the monotonic clock: a renewal
 * that started at `t` holds until `t + leaseMs` minus a safety margin. The monotonic
 * clock keeps running while the process is stopped, so a node resumed after SIGSTOP
 * sees at once that its lease ran out, before it asks the database.
 */
class LeaseClock {
  private until: number;

  constructor(private readonly leaseMs: number) {
    this.until = performance.now() + leaseMs * 0.8;
  }

  renewedAt(startedAt: number): void {
    this.until = startedAt + this.leaseMs * 0.8;
  }

  valid(): boolean {
    return performance.now() < this.until;
  }
}
