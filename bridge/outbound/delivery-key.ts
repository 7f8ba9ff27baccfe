/**
 * The delivery key of one piece of a reply (`DeliveryKey` in core/contract.ts): what
 * lets a platform, or the adapter, recognise a piece sent again after a crash.
 *
 *   inbox row (id, receivedAt) + piece index ─► "<id>.<receivedAt>.<index>" ─► adapter.send
 *
 * It is computed from what the inbox stores, so every attempt on every node derives
 * the same key; the receive time keeps it unique when a database is recreated and its
 * row ids start again from 1 (Discord remembers a nonce for a few minutes). Base 36
 * keeps it within Discord's 25-character nonce limit.
 */
import type { DeliveryKey } from '../../core/contract.js';

/** The key of piece `index` of the reply to the inbox row `entry`. */
export function deliveryKey(
  entry: { id: number; receivedAt: number },
  index: number,
  resumed: boolean,
): DeliveryKey {
  const parts = [entry.id, entry.receivedAt, index].map((n) => Number(n).toString(36));
  return { key: parts.join('.'), resumed };
}
