/**
 * The WhatsApp message id of a reply piece: the last step before `sendMessage` in the
 * outbound pipeline (format → chunk → throttle → retry → adapter.send → here).
 *
 * WhatsApp lets the sender choose a message's id (Baileys: `sendMessage(jid, content,
 * { messageId })`) and keys a message by chat, sender and id: its own retry path
 * sends a message again under the same id, and the recipient's app keeps one message.
 * A piece's id is therefore derived from its delivery key, so the node that took over
 * a crashed one's lane sends a possibly delivered piece again as the same message.
 * The id has the shape of Baileys' own (`3EB0` + 18 upper-case hex digits).
 */
import { createHash } from 'node:crypto';

/** The id a piece with delivery key `key` is sent under (the same for every attempt). */
export function messageIdFor(key: string): string {
  const digest = createHash('sha256').update(`parley-delivery:${key}`).digest('hex');
  return `3EB0${digest.slice(0, 18).toUpperCase()}`;
}
