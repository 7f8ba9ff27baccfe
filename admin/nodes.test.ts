/**
 * The nodes panel's rows: one "this node" row on SQLite, and on a cluster the view
 * of two real ClusterNodeLoops on one Postgres schema (heartbeats, the channel and
 * scheduler leases each holds, lanes and their share of the queue).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterNodeLoop } from '../cli/cluster.js';
import { conversationKey } from '../core/contract.js';
import { openPostgresStores, type PostgresStores } from '../sessions/postgres/index.js';
import { inbound } from '../test/contract/stores.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { nodeRows } from './nodes.js';

const log = pino({ level: 'silent' });
const idle = { start: async () => {}, stop: async () => {} };

describe('nodes on SQLite', () => {
  it('is one "this node" row running every channel and the scheduler, with the whole queue', () => {
    const channels = [new TestChannel('telegram'), new TestChannel('web')];
    const view = nodeRows({
      channels,
      scheduler: { nextWakeAt: 0 },
      bridge: { depth: 4, active: 2 },
      cluster: undefined,
    });
    expect(view).toEqual({
      clustered: false,
      nodes: [
        {
          nodeId: 'this node',
          role: 'all',
          self: true,
          seenMsAgo: 0,
          leases: [],
          channels: ['telegram', 'web'],
          scheduler: true,
          lanes: 2,
          queueShare: 1,
        },
      ],
    });
    const quiet = nodeRows({ channels, scheduler: undefined, bridge: { depth: 0, active: 0 } });
    expect(quiet.nodes[0]).toMatchObject({ scheduler: false, lanes: 0, queueShare: null });
  });
});

describe.skipIf(!postgres.available)(`nodes on a cluster ${postgres.skipReason}`, () => {
  const open: { stores: PostgresStores; loop: ClusterNodeLoop }[] = [];
  afterEach(async () => {
    for (const { stores, loop } of open.splice(0)) {
      await loop.stop();
      await stores.close();
    }
  });

  async function node(url: string, nodeId: string, role: string, leases: string[]) {
    const stores = await openPostgresStores(url);
    const loop = new ClusterNodeLoop(stores.leases, { nodeId, role, leaseMs: 1000, log });
    for (const name of leases) loop.holdTask({ name, ...idle });
    await loop.start();
    open.push({ stores, loop });
    return { stores, loop };
  }

  it('lists every node with its role, heartbeat, leases held and queue share, this node first', async () => {
    const url = await freshSchema();
    const gateway = await node(url, 'gw-1', 'gateway', ['channel:telegram', 'scheduler']);
    const worker = await node(url, 'wk-1', 'worker', ['channel:telegram', 'scheduler']);
    for (const id of ['c1', 'c2', 'c3', 'c4']) {
      const message = inbound(id, { conversationId: id });
      await worker.stores.inbox.accept(message, conversationKey(message));
    }
    expect(await worker.stores.work({ nodeId: 'wk-1', leaseMs: 60_000 }).claim(3)).toHaveLength(3);
    expect(await gateway.stores.work({ nodeId: 'gw-1', leaseMs: 60_000 }).claim(3)).toHaveLength(1);
    await (worker.loop as unknown as { tick(): Promise<void> }).tick(); // read the view now

    const view = nodeRows({
      channels: [],
      scheduler: undefined,
      bridge: { depth: 0, active: 0 },
      cluster: worker.loop,
    });
    expect(view.clustered).toBe(true);
    expect(view.nodes.map((n) => [n.nodeId, n.self])).toEqual([
      ['wk-1', true],
      ['gw-1', false],
    ]);
    const [self, other] = view.nodes;
    expect(other).toMatchObject({
      role: 'gateway',
      leases: expect.arrayContaining(['channel:telegram', 'scheduler']),
      channels: ['telegram'],
      scheduler: true,
      lanes: 1,
      queueShare: 0.25,
    });
    expect(self).toMatchObject({
      role: 'worker',
      leases: [],
      channels: [],
      scheduler: false,
      lanes: 3,
      queueShare: 0.75,
    });
    for (const row of view.nodes) expect(row.seenMsAgo).toBeGreaterThanOrEqual(0);
    expect(other!.seenMsAgo).toBeLessThan(3000);
  });
});
