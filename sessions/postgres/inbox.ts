/**
 * The Postgres {@link InboxStore}: the only writer of `inbox`. Like the SQLite one,
 * the reply freeze writes the turn's session messages (sessions.ts' `insertTurn`) and,
 * for web chat, the outbox rows (web-outbox.ts' `insertOutboxItem`) in one transaction.
 *
 * A *fenced* inbox ({@link PostgresInbox.fenced}) is what a worker node uses for a
 * lane it leased (leases.ts): every write first checks, in its own transaction, that
 * the lease is still this node's with the same fence and unexpired, holding the lease
 * row `FOR SHARE` so no take-over can commit in between. A worker paused past its
 * lease (a "zombie") therefore records nothing: its write fails with
 * {@link LeaseLostError} and rolls back.
 *
 * Rows map to records, and the statements both engines share are written, in
 * `sessions/rows/inbox.ts`; this file holds the edit, lanes, fences, transactions and
 * the driver calls.
 */
import type pg from 'pg';
import type { InboundMessage, MessageEdit } from '../../core/contract.js';
import type { WebOutboxItem } from '../../core/stores.js';
import type { InboxEntry, InboxState, StoredReply, TurnRecord } from '../records.js';
import {
  acceptSql,
  deliveredReply,
  donePayload,
  ENTRY_COLUMNS,
  type InboxRow,
  inboxColumns,
  inboxSql,
  newEntry,
  outboxPayloads,
  toCounts,
  toEntry,
} from '../rows/inbox.js';
import { type InboxStore, type LaneLease, LeaseLostError } from '../stores.js';
import { all, changes, one, placeholder, type Queryable, transaction } from './db.js';
import { insertTurn } from './sessions.js';
import { insertOutboxItem } from './web-outbox.js';

const SQL = inboxSql(placeholder);
/** Postgres also records the lane a row is worked in (leases.ts). */
const ACCEPT = `${acceptSql(placeholder, ['lane'])} RETURNING id`;

/** Throws {@link LeaseLostError} unless `lease` still holds its lane; locks the lease row. */
export async function checkFence(tx: Queryable, lease: LaneLease): Promise<void> {
  const held = await one(
    tx,
    `SELECT 1 FROM lane_leases WHERE lane = $1 AND node_id = $2 AND fence = $3
       AND expires_at > clock_timestamp() FOR SHARE`,
    [lease.lane, lease.nodeId, lease.fence],
  );
  if (!held) throw new LeaseLostError(lease);
}

/** Marks a row done without a reply, keeping only the ids (enough to deduplicate). */
async function markDone(tx: Queryable, id: number): Promise<void> {
  const row = await one<{ payload: string }>(tx, SQL.payloadOf, [id]);
  if (!row) return;
  await tx.query(SQL.doneWithoutReply, [donePayload(row.payload), Date.now(), id]);
}

export class PostgresInbox implements InboxStore {
  /** Set on a fenced inbox by the work queue (leases.ts). */
  guard: (() => Promise<void>) | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly lease?: LaneLease,
  ) {}

  /** This inbox with every write checked against `lease` in the write's transaction. */
  fenced(lease: LaneLease): PostgresInbox {
    return new PostgresInbox(this.pool, lease);
  }

  /**
   * One UPDATE of `inbox` (its SQL ends in a WHERE clause), fenced in the same
   * statement when this inbox is fenced: the lease row is read `FOR SHARE` in a CTE,
   * so a take-over waits for this write, and a lost lease changes nothing and throws.
   * One round trip, which keeps the window between a platform send and its record short.
   */
  private async update(sql: string, values: unknown[]): Promise<void> {
    const lease = this.lease;
    if (!lease) {
      await this.pool.query(sql, values);
      return;
    }
    const n = values.length;
    const row = await one<{ held: boolean }>(
      this.pool,
      `WITH fence AS (SELECT 1 FROM lane_leases WHERE lane = $${n + 1} AND node_id = $${n + 2}
           AND fence = $${n + 3} AND expires_at > clock_timestamp() FOR SHARE),
         written AS (${sql} AND EXISTS (SELECT 1 FROM fence) RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM fence) AS held`,
      [...values, lease.lane, lease.nodeId, lease.fence],
    );
    if (!row?.held) throw new LeaseLostError(lease);
  }

  /** Runs `fn` in a transaction, after the fence check when this inbox is fenced. */
  private write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const lease = this.lease;
    if (!lease) return fn(this.pool);
    return transaction(this.pool, async (tx) => {
      await checkFence(tx, lease);
      return fn(tx);
    });
  }

  async accept(
    message: InboundMessage,
    conversationKey: string,
    options: { lane?: string } = {},
  ): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    const accepted = { message, conversationKey, now: Date.now() };
    const lane = options.lane ?? conversationKey;
    const inserted = await one<{ id: number }>(this.pool, ACCEPT, [
      ...inboxColumns.values(accepted),
      lane,
    ]);
    if (!inserted) {
      const row = await one<InboxRow>(this.pool, SQL.byMessage, [
        message.channel,
        message.platformMessageId,
      ]);
      return { entry: toEntry(row!), duplicate: true };
    }
    return { entry: newEntry(accepted, inserted.id), duplicate: false };
  }

  async get(id: number): Promise<InboxEntry | undefined> {
    const row = await one<InboxRow>(this.pool, SQL.byId, [id]);
    return row ? toEntry(row) : undefined;
  }

  async edit(
    channel: string,
    platformMessageId: string,
    edit: MessageEdit,
  ): Promise<number | undefined> {
    const row = await one<{ id: number }>(
      this.pool,
      `UPDATE inbox SET payload = (payload::jsonb || $1::jsonb)::text, updated_at = $2
         WHERE channel = $3 AND platform_message_id = $4 AND state = 'pending' AND attempts = 0
       RETURNING id`,
      [
        JSON.stringify({
          text: edit.text,
          mentionsBot: edit.mentionsBot,
          repliesToBot: edit.repliesToBot,
        }),
        Date.now(),
        channel,
        platformMessageId,
      ],
    );
    return row?.id;
  }

  async begin(id: number): Promise<void> {
    await this.update(SQL.begin, [Date.now(), id]);
  }

  async setReply(
    id: number,
    reply: StoredReply,
    turn?: TurnRecord,
    merged: number[] = [],
  ): Promise<void> {
    const run = async (tx: Queryable) => {
      if (turn) await insertTurn(tx, turn.sessionId, id, turn.messages);
      for (const other of merged) await markDone(tx, other);
      await tx.query(SQL.replying, [JSON.stringify(reply), Date.now(), id]);
    };
    if (this.lease) await this.write(run);
    else await transaction(this.pool, run);
  }

  async setReplyDelivered(
    id: number,
    reply: StoredReply,
    turn: TurnRecord | undefined,
    clientId: string,
    merged: number[] = [],
  ): Promise<WebOutboxItem[]> {
    const run = async (tx: Queryable) => {
      if (turn) await insertTurn(tx, turn.sessionId, id, turn.messages);
      for (const other of merged) await markDone(tx, other);
      const items: WebOutboxItem[] = [];
      for (const payload of outboxPayloads(reply))
        items.push(await insertOutboxItem(tx, clientId, payload));
      await tx.query(SQL.done, [JSON.stringify(deliveredReply(reply, items)), Date.now(), id]);
      return items;
    };
    return this.lease ? this.write(run) : transaction(this.pool, run);
  }

  async updateReply(id: number, reply: StoredReply): Promise<void> {
    await this.update(SQL.reply, [JSON.stringify(reply), Date.now(), id]);
  }

  async complete(id: number, reply?: StoredReply, merged: number[] = []): Promise<void> {
    if (reply) {
      await this.update(SQL.done, [JSON.stringify(reply), Date.now(), id]);
      return;
    }
    const run = async (tx: Queryable) => {
      for (const row of [...merged, id]) await markDone(tx, row);
    };
    if (this.lease) await this.write(run);
    else if (merged.length > 0) await transaction(this.pool, run);
    else await run(this.pool);
  }

  async interrupted(id: number): Promise<void> {
    await this.update(SQL.interrupted, [Date.now(), id]);
  }

  async fail(id: number, error: string): Promise<void> {
    await this.update(SQL.fail, [error, Date.now(), id]);
  }

  async reclaim(): Promise<InboxEntry[]> {
    return (await all<InboxRow>(this.pool, SQL.reclaim)).map(toEntry);
  }

  async counts(): Promise<Record<InboxState, number>> {
    return toCounts(await all<{ state: InboxState; n: number }>(this.pool, SQL.counts));
  }

  async prune(retentionMs: number): Promise<number> {
    return changes(this.pool, SQL.prune, [Date.now() - retentionMs]);
  }

  /** Up to `limit` unfinished rows of `lane`, oldest first. */
  async unfinishedOf(lane: string, limit: number): Promise<InboxEntry[]> {
    const rows = await all<InboxRow>(
      this.pool,
      `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE lane = $1 AND state IN ('pending', 'replying') ORDER BY id LIMIT $2`,
      [lane, limit],
    );
    return rows.map(toEntry);
  }

  /** The oldest unfinished row of `lane` (the next one its lease holder runs). */
  async nextOf(lane: string): Promise<InboxEntry | undefined> {
    const row = await one<InboxRow>(
      this.pool,
      `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE lane = $1 AND state IN ('pending', 'replying') ORDER BY id LIMIT 1`,
      [lane],
    );
    return row ? toEntry(row) : undefined;
  }
}
