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
 */
import type pg from 'pg';
import type { InboundMessage, MessageEdit } from '../../core/contract.js';
import type { WebOutboxItem } from '../../core/stores.js';
import { idsOnly } from '../inbox-ids.js';
import type { InboxEntry, InboxState, StoredReply, TurnRecord } from '../records.js';
import { type InboxStore, type LaneLease, LeaseLostError } from '../stores.js';
import { all, one, type Queryable, transaction } from './db.js';
import { insertTurn } from './sessions.js';
import { insertOutboxItem } from './web-outbox.js';

interface InboxRow {
  id: number;
  conversation_key: string;
  payload: string;
  state: InboxState;
  attempts: number;
  reply: string | null;
  received_at: number;
}

export function toEntry(row: InboxRow): InboxEntry {
  return {
    id: row.id,
    conversationKey: row.conversation_key,
    message: JSON.parse(row.payload) as InboundMessage,
    state: row.state,
    attempts: row.attempts,
    reply: row.reply ? (JSON.parse(row.reply) as StoredReply) : undefined,
    receivedAt: row.received_at,
  };
}

const ENTRY_COLUMNS = 'id, conversation_key, payload, state, attempts, reply, received_at';

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
  const row = await one<{ payload: string }>(tx, 'SELECT payload FROM inbox WHERE id = $1', [id]);
  if (!row) return;
  const payload = JSON.stringify(idsOnly(JSON.parse(row.payload) as InboundMessage));
  await tx.query(`UPDATE inbox SET state = 'done', payload = $1, updated_at = $2 WHERE id = $3`, [
    payload,
    Date.now(),
    id,
  ]);
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
    const now = Date.now();
    const inserted = await one<{ id: number }>(
      this.pool,
      `INSERT INTO inbox (channel, platform_message_id, conversation_key, lane, payload, sender_id, received_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (channel, platform_message_id) DO NOTHING RETURNING id`,
      [
        message.channel,
        message.platformMessageId,
        conversationKey,
        options.lane ?? conversationKey,
        JSON.stringify(message),
        message.sender.id,
        now,
      ],
    );
    if (!inserted) {
      const row = await one<InboxRow>(
        this.pool,
        `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE channel = $1 AND platform_message_id = $2`,
        [message.channel, message.platformMessageId],
      );
      return { entry: toEntry(row!), duplicate: true };
    }
    const entry: InboxEntry = {
      id: inserted.id,
      conversationKey,
      message,
      state: 'pending',
      attempts: 0,
      reply: undefined,
      receivedAt: now,
    };
    return { entry, duplicate: false };
  }

  async get(id: number): Promise<InboxEntry | undefined> {
    const row = await one<InboxRow>(this.pool, `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE id = $1`, [
      id,
    ]);
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
    await this.update(
      `UPDATE inbox SET attempts = attempts + 1, updated_at = $1 WHERE id = $2 AND state = 'pending'`,
      [Date.now(), id],
    );
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
      await tx.query(
        `UPDATE inbox SET state = 'replying', reply = $1, updated_at = $2 WHERE id = $3`,
        [JSON.stringify(reply), Date.now(), id],
      );
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
      for (const [index, text] of reply.chunks.entries()) {
        const last = index === reply.chunks.length - 1;
        const buttons = last && reply.buttons ? reply.buttons : undefined;
        items.push(
          await insertOutboxItem(tx, clientId, {
            text,
            ...(buttons ? { buttons: buttons.map(({ label, data }) => ({ label, data })) } : {}),
          }),
        );
      }
      const delivered = {
        ...reply,
        sent: items.length,
        messageIds: items.map((i) => String(i.seq)),
      };
      await tx.query(`UPDATE inbox SET state = 'done', reply = $1, updated_at = $2 WHERE id = $3`, [
        JSON.stringify(delivered),
        Date.now(),
        id,
      ]);
      return items;
    };
    return this.lease ? this.write(run) : transaction(this.pool, run);
  }

  async updateReply(id: number, reply: StoredReply): Promise<void> {
    await this.update('UPDATE inbox SET reply = $1, updated_at = $2 WHERE id = $3', [
      JSON.stringify(reply),
      Date.now(),
      id,
    ]);
  }

  async complete(id: number, reply?: StoredReply, merged: number[] = []): Promise<void> {
    if (reply) {
      await this.update(
        `UPDATE inbox SET state = 'done', reply = $1, updated_at = $2 WHERE id = $3`,
        [JSON.stringify(reply), Date.now(), id],
      );
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
    await this.update(
      `UPDATE inbox SET attempts = attempts - 1, updated_at = $1 WHERE id = $2 AND state = 'pending' AND attempts > 0`,
      [Date.now(), id],
    );
  }

  async fail(id: number, error: string): Promise<void> {
    await this.update(
      `UPDATE inbox SET state = 'failed', error = $1, updated_at = $2 WHERE id = $3`,
      [error, Date.now(), id],
    );
  }

  async reclaim(): Promise<InboxEntry[]> {
    const rows = await all<InboxRow>(
      this.pool,
      `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE state IN ('pending', 'replying') ORDER BY id`,
    );
    return rows.map(toEntry);
  }

  async counts(): Promise<Record<InboxState, number>> {
    const rows = await all<{ state: InboxState; n: number }>(
      this.pool,
      'SELECT state, COUNT(*) AS n FROM inbox GROUP BY state',
    );
    const counts: Record<InboxState, number> = { pending: 0, replying: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async prune(retentionMs: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM inbox WHERE state IN ('done', 'failed') AND updated_at < $1`,
      [Date.now() - retentionMs],
    );
    return result.rowCount ?? 0;
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
