/**
 * The rows of `web_outbox` as both engines store them, mapped to {@link WebOutboxItem}
 * once: the row id is the item's sequence number, the payload JSON text.
 */
import type { WebOutboxItem } from '../../core/stores.js';
import { columns } from './sql.js';

export interface OutboxRow {
  id: number;
  client_id: string;
  payload: string;
  created_at: number;
}

export const toOutboxItem = (row: OutboxRow): WebOutboxItem => ({
  seq: row.id,
  clientId: row.client_id,
  payload: JSON.parse(row.payload) as WebOutboxItem['payload'],
  createdAt: row.created_at,
});

/** The columns an item is written to (its sequence number comes from the database). */
export const outboxColumns = columns<Omit<WebOutboxItem, 'seq'>>({
  client_id: (item) => item.clientId,
  payload: (item) => JSON.stringify(item.payload),
  created_at: (item) => item.createdAt,
});
