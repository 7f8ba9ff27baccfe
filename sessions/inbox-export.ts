/**
 * One inbox row as a user's data export shows it (`SessionStore.exportUser`): the
 * text and the workspace files its attachments were saved as, which the purge deletes
 * with the row (user-data.ts). Shared by both engines' session stores.
 */
import type { InboundMessage } from '../core/contract.js';
import type { UserExport } from './records.js';

export function exportedInboxRow(
  channel: string,
  row: { platform_message_id: string; payload: string; received_at: number },
): UserExport['inbox'][number] {
  const message = JSON.parse(row.payload) as Partial<InboundMessage>;
  const files = (message.attachments ?? []).flatMap((a) => (a.path ? [a.path] : []));
  return {
    channel,
    platformMessageId: row.platform_message_id,
    text: message.text ?? '',
    receivedAt: row.received_at,
    ...(files.length > 0 ? { files } : {}),
  };
}
