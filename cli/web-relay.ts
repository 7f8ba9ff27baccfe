/**
 * Web chat across nodes: a browser's WebSocket is held by one node, while its turns
 * may run on any worker. This relay wraps a local-write channel (the web chat) so that
 * whatever a node pushes to a client — stored replies, streamed deltas, typing,
 * messages sent outside a reply — is also announced on the cluster bus; every other
 * node pushes it to the sockets it holds for that client (a node with no socket for
 * it does nothing).
 *
 *   worker B: bridge ─► pushStored(items) ─► local sockets (none) + NOTIFY {client, seqs}
 *   node A:   LISTEN ─► webOutbox.since(client, seq) ─► pushStored ─► the browser
 *
 * Stored replies carry only their sequence numbers (the rows are already committed in
 * the web outbox), so a missed notification is caught up by the client's replay on
 * reconnect; deltas are a preview and travel inline (dropped when too large).
 *
 * A node handles one client's notes one after another, in the order they arrived:
 * each stored note waits for its outbox lookup, and two lookups on two pool
 * connections can finish in either order, which showed a conversation its replies
 * out of order.
 */
import type { Logger } from 'pino';
import type { ChannelAdapter, OutboundTarget } from '../core/contract.js';
import type { WebOutboxItem, WebOutboxStore } from '../core/stores.js';
import type { MessageBus } from '../sessions/stores.js';

const TOPIC = 'parley_web';
/** Postgres caps a NOTIFY payload at 8,000 bytes; larger previews are not relayed. */
const MAX_PAYLOAD = 7000;

type Note =
  | { from: string; kind: 'stored'; clientId: string; seqs: number[] }
  | { from: string; kind: 'delta'; target: OutboundTarget; replyId: string; delta: string }
  | { from: string; kind: 'end' | 'typing'; target: OutboundTarget; replyId?: string };

export interface WebRelayOptions {
  nodeId: string;
  bus: MessageBus;
  outbox: WebOutboxStore;
  log: Logger;
  /** Push what other nodes announce (false on a worker: it holds no sockets). */
  listen: boolean;
}

/** Wraps `channel`'s pushes for the cluster; returns the unsubscribe. */
export async function relayWebChannel(
  channel: ChannelAdapter,
  { nodeId, bus, outbox, log, listen }: WebRelayOptions,
): Promise<() => Promise<void>> {
  const local = channel.localOutbox;
  if (!local) throw new Error(`channel ${channel.id} has no local outbox to relay`);
  const push = local.pushStored.bind(local);
  const delta = channel.streamDelta?.bind(channel);
  const end = channel.endStream?.bind(channel);
  const typing = channel.typing?.bind(channel);
  const send = channel.send.bind(channel);
  const publish = (note: Note) => {
    const payload = JSON.stringify(note);
    if (payload.length <= MAX_PAYLOAD) void bus.publish(TOPIC, payload);
  };
  const announce = (items: WebOutboxItem[]) => {
    const byClient = new Map<string, number[]>();
    for (const item of items)
      byClient.set(item.clientId, [...(byClient.get(item.clientId) ?? []), item.seq]);
    for (const [clientId, seqs] of byClient)
      publish({ from: nodeId, kind: 'stored', clientId, seqs });
  };
  local.pushStored = (items) => {
    push(items);
    announce(items);
  };
  channel.send = async (target, message) => {
    const sent = await send(target, message);
    announce([
      {
        seq: Number(sent.messageId),
        clientId: target.conversationId,
        payload: { text: '' },
        createdAt: 0,
      },
    ]);
    return sent;
  };
  if (delta)
    channel.streamDelta = (target, replyId, text) => {
      delta(target, replyId, text);
      publish({ from: nodeId, kind: 'delta', target, replyId, delta: text });
    };
  if (end)
    channel.endStream = (target, replyId) => {
      end(target, replyId);
      publish({ from: nodeId, kind: 'end', target, replyId });
    };
  if (typing)
    channel.typing = async (target) => {
      await typing(target);
      publish({ from: nodeId, kind: 'typing', target });
    };
  if (!listen) return async () => {};
  /** The last note being handled for each client; the next one waits for it. */
  const queues = new Map<string, Promise<void>>();
  return bus.subscribe(TOPIC, (payload) => {
    let note: Note;
    try {
      note = JSON.parse(payload) as Note;
    } catch (error) {
      log.warn({ err: error }, 'web relay message dropped');
      return;
    }
    if (note.from === nodeId) return;
    const client = note.kind === 'stored' ? note.clientId : note.target.conversationId;
    const handled = (queues.get(client) ?? Promise.resolve())
      .then(() => receive(note))
      .catch((error) => log.warn({ err: error }, 'web relay message dropped'));
    queues.set(client, handled);
    void handled.then(() => {
      if (queues.get(client) === handled) queues.delete(client);
    });
  });

  async function receive(note: Note): Promise<void> {
    if (note.kind === 'stored') {
      const first = Math.min(...note.seqs);
      const wanted = new Set(note.seqs);
      const items = await outbox.since(note.clientId, first - 1, note.seqs.length + 50);
      push(items.filter((item) => wanted.has(item.seq)));
    } else if (note.kind === 'delta') delta?.(note.target, note.replyId, note.delta);
    else if (note.kind === 'end') end?.(note.target, note.replyId ?? '');
    else await typing?.(note.target);
  }
}
