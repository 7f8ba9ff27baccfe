/**
 * Readiness of a running Parley: the database is open, the server listens and no
 * channel is still starting. On a node of a cluster (Postgres) it also lists every
 * live node with its role, the connection leases it holds and its lanes (its share of
 * the queue); a channel whose connection another node holds is `standby` here.
 */
import type { ChannelAdapter } from '../core/contract.js';
import type { ClusterNode } from '../sessions/stores.js';

/** This node's view of its cluster (cli/cluster.ts). */
export interface ClusterFacts {
  nodeId: string;
  role: string;
  nodes(): ClusterNode[];
  heldLeases(): string[];
}

export interface ReadinessFacts {
  stores: { open: boolean };
  url: string;
  channels: ChannelAdapter[];
  cluster?: ClusterFacts | undefined;
}

export function readiness(app: ReadinessFacts): { ready: boolean; checks: Record<string, string> } {
  const checks: Record<string, string> = {
    database: app.stores.open ? 'open' : 'closed',
    server: app.url ? 'listening' : 'starting',
  };
  const cluster = app.cluster;
  const held = new Set(cluster?.heldLeases() ?? []);
  for (const channel of app.channels) {
    const standby =
      cluster &&
      channel.capabilities.connection === 'exclusive' &&
      !held.has(`channel:${channel.id}`);
    checks[`channel:${channel.id}`] = standby ? 'standby' : (channel.status?.().state ?? 'unknown');
  }
  const starting = Object.values(checks).some((v) => v === 'starting' || v === 'closed');
  if (cluster) {
    checks.node = `${cluster.nodeId} (${cluster.role})`;
    const nodes = cluster.nodes();
    const total = nodes.reduce((sum, node) => sum + node.lanes, 0);
    for (const node of nodes) {
      const share = total > 0 ? ` (${Math.round((node.lanes / total) * 100)}% of the queue)` : '';
      checks[`node:${node.nodeId}`] =
        `${node.role}; leases: ${node.leases.join(', ') || 'none'}; lanes: ${node.lanes}${share}; seen ${node.seenMsAgo} ms ago`;
    }
  }
  return { ready: !starting, checks };
}
