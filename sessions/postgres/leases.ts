/**
 * The Postgres {@link WorkQueue}: lanes of the shared inbox leased by worker nodes,
 * with a fencing token. A claim is one statement: it upserts a lease for every lane
 * that has unfinished rows and no live lease, and `ON CONFLICT … WHERE expires_at <=
 * clock_timestamp()` lets exactly one of several racing nodes take an expired lane
 * (the others re-check the updated row and get nothing). The candidate lanes are
 * read with `FOR UPDATE SKIP LOCKED` on their oldest row, so racing claimers spread
 * over different lanes instead of queueing on one. Deadlines use the database clock.
 * The only writer of `lane_leases`.
 *
 * @example
 * ```ts
 * const work = new PostgresWorkQueue(pool, inbox, url, { nodeId: 'node-a', leaseMs: 10_000 })
 * for (const lease of await work.claim(4)) {
 *   const entry = await work.next(lease)       // run it through work.fenced(lease, valid)
 * }
 * ```
 */
import pg from 'pg';
import type { InboxEntry } from '../records.js';
import type { InboxStore, LaneLease, WorkQueue } from '../stores.js';
import { LeaseLostError } from '../stores.js';
import { all, changes, one } from './db.js';
import { checkFence, type PostgresInbox } from './inbox.js';

export interface WorkQueueOptions {
  nodeId: string;
  /** How long a lease lives without renewal (a dead node's lanes wait this long). */
  leaseMs: number;
  log?: (error: unknown, message: string) => void;
}

export class PostgresWorkQueue implements WorkQueue {
  readonly leaseMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly inbox: PostgresInbox,
    private readonly url: string,
    private readonly options: WorkQueueOptions,
  ) {
    this.leaseMs = options.leaseMs;
  }

  async claim(limit: number): Promise<LaneLease[]> {
    if (limit <= 0) return [];
    const rows = await all<{ lane: string; fence: number }>(
      this.pool,
      `WITH heads AS (
         SELECT DISTINCT ON (i.lane) i.lane, i.id FROM inbox i
           WHERE i.state IN ('pending', 'replying')
             AND NOT EXISTS (SELECT 1 FROM lane_leases l
                               WHERE l.lane = i.lane AND l.expires_at > clock_timestamp())
           ORDER BY i.lane, i.id
       ), picked AS (
         SELECT i.lane, i.id FROM inbox i JOIN heads h ON h.id = i.id
           ORDER BY i.id LIMIT $3 FOR UPDATE OF i SKIP LOCKED
       )
       INSERT INTO lane_leases AS l (lane, node_id, fence, expires_at)
         SELECT lane, $1, 1, clock_timestamp() + make_interval(secs => $2::double precision / 1000)
           FROM picked
       ON CONFLICT (lane) DO UPDATE
         SET node_id = excluded.node_id, fence = l.fence + 1, expires_at = excluded.expires_at
         WHERE l.expires_at <= clock_timestamp()
       RETURNING lane, fence`,
      [this.options.nodeId, this.leaseMs, limit],
    );
    return rows.map((row) => ({ lane: row.lane, fence: row.fence, nodeId: this.options.nodeId }));
  }

  async renew(lease: LaneLease): Promise<boolean> {
    const renewed = await changes(
      this.pool,
      `UPDATE lane_leases SET expires_at = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
         WHERE lane = $1 AND node_id = $2 AND fence = $3 AND expires_at > clock_timestamp()`,
      [lease.lane, lease.nodeId, lease.fence, this.leaseMs],
    );
    return renewed > 0;
  }

  next(lease: LaneLease): Promise<InboxEntry | undefined> {
    return this.inbox.nextOf(lease.lane);
  }

  unfinished(lane: string, limit: number): Promise<InboxEntry[]> {
    return this.inbox.unfinishedOf(lane, limit);
  }

  async release(lease: LaneLease): Promise<'released' | 'more' | 'lost'> {
    const released = await changes(
      this.pool,
      `DELETE FROM lane_leases WHERE lane = $1 AND node_id = $2 AND fence = $3
         AND NOT EXISTS (SELECT 1 FROM inbox WHERE lane = $1 AND state IN ('pending', 'replying'))`,
      [lease.lane, lease.nodeId, lease.fence],
    );
    if (released > 0) return 'released';
    const held = await one(
      this.pool,
      `SELECT 1 FROM lane_leases WHERE lane = $1 AND node_id = $2 AND fence = $3 AND expires_at > clock_timestamp()`,
      [lease.lane, lease.nodeId, lease.fence],
    );
    return held ? 'more' : 'lost';
  }

  fenced(lease: LaneLease, valid: () => boolean): InboxStore {
    const inbox = this.inbox.fenced(lease);
    const pool = this.pool;
    inbox.guard = async () => {
      if (!valid()) throw new LeaseLostError(lease);
      await checkFence(pool, lease);
    };
    return inbox;
  }

  /**
   * LISTENs on its own connection; a dropped connection is re-opened after a second
   * (the dispatcher also polls, so a missed notification only delays work).
   */
  async listen(onWork: () => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.url });
      next.on('notification', () => onWork());
      next.on('error', (error) => {
        this.options.log?.(error, 'work notifications connection failed; reconnecting');
        void next.end().catch(() => {});
        if (!closed) retry = setTimeout(() => void connect().catch(() => {}), 1000);
      });
      await next.connect();
      await next.query('LISTEN parley_work');
      client = next;
      if (closed) await next.end();
    };
    await connect();
    return async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  }
}
