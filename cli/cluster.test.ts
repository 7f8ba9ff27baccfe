/**
 * The scheduler on a cluster: two nodes on one real Postgres schema, each with a
 * standby Scheduler held through lease `scheduler` by its ClusterNodeLoop. Only the
 * holder submits due runs; a job created on the other node is run by the holder at a
 * renewal; when the holder stops, the other node takes the lease and runs the rest.
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../agent/scheduler/index.js';
import { conversationKey, type InboundMessage } from '../core/contract.js';
import { openPostgresStores, type PostgresStores } from '../sessions/postgres/index.js';
import { newJob } from '../test/contract/stores.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { ClusterNodeLoop } from './cluster.js';

const log = pino({ level: 'silent' });
const config = { missedAfterSeconds: 60, timeZone: 'UTC' };

interface Node {
  stores: PostgresStores;
  scheduler: Scheduler;
  loop: ClusterNodeLoop;
  submitted: InboundMessage[];
}

describe.skipIf(!postgres.available)(`scheduler on a cluster ${postgres.skipReason}`, () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      await node.loop.stop();
      node.scheduler.stop();
      await node.stores.close();
    }
  });

  async function node(url: string, nodeId: string): Promise<Node> {
    const stores = await openPostgresStores(url);
    const scheduler = new Scheduler({ jobs: stores.jobs, config, log, standby: true });
    const loop = new ClusterNodeLoop(stores.leases, { nodeId, role: 'all', leaseMs: 1000, log });
    loop.holdTask({
      name: 'scheduler',
      start: () => scheduler.lead(true),
      stop: () => scheduler.lead(false),
      renewed: () => void scheduler.wake(),
    });
    const submitted: InboundMessage[] = [];
    await loop.start();
    await scheduler.start({
      submit: async (message) => {
        const { duplicate } = await stores.inbox.accept(message, conversationKey(message));
        if (!duplicate) submitted.push(message);
        return { duplicate };
      },
      hasChannel: () => true,
    });
    const result = { stores, scheduler, loop, submitted };
    nodes.push(result);
    return result;
  }

  const create = async (stores: PostgresStores, at: number) => {
    const result = await stores.jobs.create(
      newJob({ schedule: { kind: 'once', at }, nextRunAt: at }),
      100,
    );
    if (!('job' in result)) throw new Error('limit');
    return result.job;
  };

  it('runs due jobs on the lease holder only, and moves to the other node when it stops', async () => {
    const url = await freshSchema();
    const a = await node(url, 'a');
    const first = await create(a.stores, Date.now() - 1000);
    await a.scheduler.wake();
    const b = await node(url, 'b');
    expect(a.loop.heldLeases()).toEqual(['scheduler']);
    expect(b.loop.heldLeases()).toEqual([]);
    expect(a.submitted.map((m) => m.job?.id)).toEqual([first.id]);

    // Created on b, whose own wake-up does nothing: a sees it at its next renewal.
    const second = await create(b.stores, Date.now() - 500);
    await b.scheduler.wake();
    expect(b.submitted).toEqual([]);
    await vi.waitFor(() => expect(a.submitted.map((m) => m.job?.id)).toContain(second.id), {
      timeout: 5000,
    });

    // a stops (gives the lease back): b takes it and runs what is due from then on.
    await a.loop.stop();
    const third = await create(b.stores, Date.now() - 200);
    await vi.waitFor(() => expect(b.loop.heldLeases()).toEqual(['scheduler']), { timeout: 5000 });
    await vi.waitFor(() => expect(b.submitted.map((m) => m.job?.id)).toEqual([third.id]), {
      timeout: 5000,
    });
    expect(a.submitted.map((m) => m.job?.id)).toEqual([first.id, second.id]);
    expect((await b.stores.inbox.counts()).pending).toBe(3);
  });
});
