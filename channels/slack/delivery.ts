/**
 * Recognising a reply piece Slack already has: the last step before
 * `chat.postMessage` in the outbound pipeline (… ─► retry ─► adapter.send ─► here).
 *
 * Slack has no idempotency key, so every reply piece is posted with message metadata
 * carrying its delivery key (`event_type: parley_delivery`). When a piece may have
 * gone out already — a node took over the lane of one that crashed between Slack's
 * answer and the inbox's record — the adapter first reads the conversation back
 * (`conversations.replies` in a thread, else `conversations.history`, both with
 * `include_all_metadata`) and, if a message carries the key, returns its `ts` instead
 * of posting again. Only resumed pieces pay for that read; the normal path makes no
 * extra call. Reading needs the `*:history` scopes the adapter already uses for threads.
 */
import type { WebClient } from '@slack/web-api';
import type { DeliveryKey, OutboundTarget } from '../../core/contract.js';
import { slackCall } from './errors.js';

export const DELIVERY_EVENT = 'parley_delivery';

/** How many recent messages a check reads (a resumed piece was posted seconds ago). */
const LOOK_BACK = 100;

/** The `metadata` argument of `chat.postMessage` for a piece with `delivery`. */
export function deliveryMetadata(delivery: DeliveryKey) {
  return { event_type: DELIVERY_EVENT, event_payload: { key: delivery.key } };
}

interface MessageWithMetadata {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** The `ts` of a message in the target's conversation carrying `key`, if Slack has one. */
export async function findDelivered(
  client: WebClient,
  target: OutboundTarget,
  key: string,
): Promise<string | undefined> {
  const channel = target.conversationId;
  const result = await slackCall(() =>
    target.threadId
      ? client.conversations.replies({
          channel,
          ts: target.threadId,
          limit: LOOK_BACK,
          include_all_metadata: true,
        })
      : client.conversations.history({ channel, limit: LOOK_BACK, include_all_metadata: true }),
  );
  const messages = (result.messages ?? []) as MessageWithMetadata[];
  const found = messages.find(
    (m) => m.metadata?.event_type === DELIVERY_EVENT && m.metadata.event_payload?.key === key,
  );
  return found?.ts;
}
