/**
 * The admin page's nodes card: every node running this Parley (one "this node"
 * row on SQLite), its role, last heartbeat, the channel connections and scheduler
 * it holds through leases, and its lanes with their share of the queue.
 */
import { $, el, fill } from './dom.js';
import type { NodeRow, Nodes } from './types.js';

/** "3 lanes · 60% of the queue", or "no lanes" while the node runs none. */
function laneText(node: NodeRow): string {
  const lanes = `${node.lanes} lane${node.lanes === 1 ? '' : 's'}`;
  return node.queueShare === null
    ? lanes
    : `${lanes} · ${Math.round(node.queueShare * 100)}% of the queue`;
}

function heartbeat(node: NodeRow, clustered: boolean): string {
  if (!clustered) return 'single node (SQLite): no leases, runs everything';
  const seconds = node.seenMsAgo / 1000;
  return `heartbeat ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s ago`;
}

function nodeCard(node: NodeRow, clustered: boolean): HTMLElement {
  const others = node.leases.filter((l) => !l.startsWith('channel:') && l !== 'scheduler');
  return el('div', { class: 'card', 'data-node': node.nodeId, 'data-self': String(node.self) }, [
    el('div', { class: 'top' }, [
      el('strong', { text: node.self ? `${node.nodeId} (this node)` : node.nodeId }),
      el('span', { class: 'badge role', text: node.role }),
    ]),
    el('div', { class: 'since', 'data-field': 'heartbeat', text: heartbeat(node, clustered) }),
    el('div', {
      class: 'detail',
      'data-field': 'channels',
      text: `channels: ${node.channels.join(', ') || 'none'}`,
    }),
    el('div', {
      class: 'detail',
      'data-field': 'scheduler',
      text: `scheduler: ${node.scheduler ? 'runs here' : 'no'}`,
    }),
    others.length
      ? el('div', { class: 'detail', 'data-field': 'leases', text: `leases: ${others.join(', ')}` })
      : null,
    el('div', { class: 'detail', 'data-field': 'lanes', text: laneText(node) }),
  ]);
}

export function renderNodes(data: Nodes): void {
  const cards = data.nodes.map((node) => nodeCard(node, data.clustered));
  fill($('nodes'), cards, 'No node has sent a heartbeat yet.');
}
