/**
 * Queue modes on leased lanes (several nodes, Postgres): the lane's rows live in the
 * shared inbox, not in a node's memory, so the rows a turn answers are read there
 * when the lane's holder starts it. `collect` (and `interrupt`) take every waiting row
 * that may join (batch.ts); a debounced lane waits until its newest row is
 * `debounceMs` old (accept times are the accepting nodes' clocks), and with
 * `followup` a burst ends at the first gap of `debounceMs` between two rows, as the
 * single-node debounce timer would.
 *
 *   lease ─► next row ─► laneBatch (read lane rows; wait out the burst) ─► one turn
 */
import type { InboxEntry } from '../sessions/records.js';
import { joins, type Standalone } from './batch.js';
import type { QueuePolicy } from './modes.js';

/** Rows read per lane for one batch: a turn answers at most this many messages. */
export const LANE_BATCH_LIMIT = 50;

export interface LaneBatchDeps {
  /** The lane's unfinished rows, oldest first. */
  unfinished(limit: number): Promise<InboxEntry[]>;
  standalone: Standalone;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** The rows that answer together with `entry`, the lane's oldest unfinished row. */
export async function laneBatch(
  entry: InboxEntry,
  policy: QueuePolicy,
  deps: LaneBatchDeps,
): Promise<InboxEntry[]> {
  if (policy.mode === 'followup' && policy.debounceMs === 0) return [entry];
  for (;;) {
    const rows = await deps.unfinished(LANE_BATCH_LIMIT);
    if (rows[0]?.id !== entry.id) return [entry];
    const batch = leadingBurst(rows, policy, deps.standalone);
    const closed = batch.length < rows.length;
    const quietFor = deps.now() - batch.at(-1)!.receivedAt;
    if (policy.debounceMs === 0 || closed || quietFor >= policy.debounceMs) return batch;
    await deps.sleep(policy.debounceMs - quietFor);
  }
}

/** The first rows that may join each other; in `followup` only those of one burst. */
function leadingBurst(
  rows: InboxEntry[],
  { mode, debounceMs }: QueuePolicy,
  standalone: Standalone,
): InboxEntry[] {
  const batch = [rows[0]!];
  for (const row of rows.slice(1)) {
    const last = batch.at(-1)!;
    if (!joins(last, row, standalone)) break;
    if (mode === 'followup' && row.receivedAt - last.receivedAt >= debounceMs) break;
    batch.push(row);
  }
  return batch;
}
