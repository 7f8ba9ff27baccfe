/**
 * Batches: inbox rows of one conversation answered by one turn (modes `collect` and
 * `interrupt`, and a debounced burst). A batch is consecutive `pending` rows of one
 * sender, none of them standalone (commands, button presses, scheduled runs, which
 * always run alone). Its turn sees one message: the texts in order, one per line, and
 * every attachment; ids, timestamp and quote come from the last row, which is the
 * *holder*: its row gets the frozen reply, and the reply answers (quotes) it. The
 * other rows are marked done in the transaction that freezes the reply.
 *
 *   rows a, b, c (pending) ─► turn(message a+b+c) ─► setReply(c, reply, merged [a, b])
 */
import type { InboundMessage } from '../core/contract.js';
import type { InboxEntry } from '../sessions/records.js';

/** Tells the messages that must run alone (see {@link MessageHandler.standalone}). */
export type Standalone = (message: InboundMessage) => boolean;

/** Whether `next` may join a batch that ends with `last`. */
export function joins(last: InboxEntry, next: InboxEntry, standalone: Standalone): boolean {
  return (
    last.state === 'pending' &&
    next.state === 'pending' &&
    last.message.sender.id === next.message.sender.id &&
    !standalone(last.message) &&
    !standalone(next.message)
  );
}

/** Splits rows (oldest first) into batches: runs of rows that may join each other. */
export function batches(rows: InboxEntry[], standalone: Standalone): InboxEntry[][] {
  const out: InboxEntry[][] = [];
  for (const row of rows) {
    const current = out.at(-1);
    if (current && joins(current.at(-1)!, row, standalone)) current.push(row);
    else out.push([row]);
  }
  return out;
}

/** The one message a batch's turn sees. */
export function mergedMessage(rows: InboxEntry[]): InboundMessage {
  const last = rows.at(-1)!.message;
  if (rows.length === 1) return last;
  return {
    ...last,
    text: rows
      .map((row) => row.message.text)
      .filter((text) => text.length > 0)
      .join('\n'),
    attachments: rows.flatMap((row) => row.message.attachments),
    mentionsBot: rows.some((row) => row.message.mentionsBot),
    repliesToBot: rows.some((row) => row.message.repliesToBot),
  };
}

/**
 * The entry a batch runs as: the holder's row with the merged message, and the most
 * attempts any row of the batch has used (a crash counts against the whole batch).
 */
export function batchEntry(rows: InboxEntry[]): InboxEntry {
  const holder = rows.at(-1)!;
  return {
    ...holder,
    message: mergedMessage(rows),
    attempts: Math.max(...rows.map((row) => row.attempts)),
  };
}
