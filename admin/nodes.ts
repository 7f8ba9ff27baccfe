/**
 * The nodes panel's API (`GET /api/nodes`): every node running this Parley, with
 * its role, how long ago it was last seen, the leases it holds (channel
 * connections, the scheduler) and its lanes with their share of the queue.
 *
 * On a cluster (Postgres) the rows are the cluster view of this node's loop
 * (cli/cluster.ts, refreshed every leaseMs/5); on SQLite there is one node, which
 * runs every channel and the scheduler without leases: one "this node" row.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ClusterNode } from '../sessions/stores.js';
import { op } from './api.js';
import * as s from './schemas.js';
import type { AdminApp } from './types.js';

const NodeRow = z
  .object({
    nodeId: z.string().openapi({ examples: ['gateway-1'] }),
    role: z.string().openapi({ examples: ['all', 'gateway', 'worker'] }),
    self: z.boolean().openapi({ description: 'The node answering this request.' }),
    seenMsAgo: z.number().openapi({ description: 'Age of its last heartbeat (0 on SQLite).' }),
    leases: z.array(z.string()).openapi({ description: 'Named leases, e.g. `channel:telegram`.' }),
    channels: z
      .array(z.string())
      .openapi({ description: 'Channels whose connection it holds (every channel on SQLite).' }),
    scheduler: z.boolean().openapi({ description: 'Whether it runs the scheduler.' }),
    lanes: z.number().int().openapi({ description: 'Conversations it is running now.' }),
    queueShare: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .openapi({ description: 'Its lanes over all nodes’ lanes; null while no node runs any.' }),
  })
  .openapi('Node');

const Nodes = z
  .object({
    clustered: z.boolean().openapi({ description: 'True on a cluster sharing Postgres.' }),
    nodes: z.array(NodeRow),
  })
  .openapi('Nodes');

export type NodeRow = z.infer<typeof NodeRow>;

const CHANNEL = 'channel:';

/** One cluster node as a row: its leases split into channels and the scheduler. */
function clusterRow(node: ClusterNode, self: string, total: number): NodeRow {
  return {
    nodeId: node.nodeId,
    role: node.role,
    self: node.nodeId === self,
    seenMsAgo: node.seenMsAgo,
    leases: node.leases,
    channels: node.leases.filter((l) => l.startsWith(CHANNEL)).map((l) => l.slice(CHANNEL.length)),
    scheduler: node.leases.includes('scheduler'),
    lanes: node.lanes,
    queueShare: total > 0 ? node.lanes / total : null,
  };
}

/** The rows of the nodes panel, this node's first. */
export function nodeRows(app: Pick<AdminApp, 'cluster' | 'channels' | 'scheduler' | 'bridge'>): {
  clustered: boolean;
  nodes: NodeRow[];
} {
  const cluster = app.cluster;
  if (!cluster) {
    const lanes = app.bridge.active;
    const only: NodeRow = {
      nodeId: 'this node',
      role: 'all',
      self: true,
      seenMsAgo: 0,
      leases: [],
      channels: app.channels.map((c) => c.id),
      scheduler: app.scheduler !== undefined,
      lanes,
      queueShare: lanes > 0 ? 1 : null,
    };
    return { clustered: false, nodes: [only] };
  }
  const view = cluster.nodes();
  const total = view.reduce((sum, node) => sum + node.lanes, 0);
  const rows = view.map((node) => clusterRow(node, cluster.nodeId, total));
  if (!rows.some((row) => row.self))
    // Not in its own view yet (before its first heartbeat was read back).
    rows.push(
      clusterRow(
        {
          nodeId: cluster.nodeId,
          role: cluster.role,
          seenMsAgo: 0,
          leases: cluster.heldLeases(),
          lanes: 0,
        },
        cluster.nodeId,
        total,
      ),
    );
  return { clustered: true, nodes: rows.sort((a, b) => Number(b.self) - Number(a.self)) };
}

export function registerNodes(api: OpenAPIHono, app: AdminApp): void {
  const route = createRoute({
    method: 'get',
    path: '/api/nodes',
    summary: 'Every node: role, last heartbeat, leases held, lanes and queue share',
    responses: { 200: s.json(Nodes), ...s.UNAUTHORIZED },
  });
  op(api, route, (c) => c.json(nodeRows(app)));
}
