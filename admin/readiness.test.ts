import { describe, expect, it } from 'vitest';
import { TestChannel } from '../test/doubles/test-channel.js';
import { readiness } from './readiness.js';

describe('readiness on a cluster node', () => {
  it('lists every node with its role, leases and lanes; a connection held elsewhere is standby', () => {
    const polling = new TestChannel('telegram', { connection: 'exclusive' });
    const web = new TestChannel('web');
    const result = readiness({
      stores: { open: true },
      url: 'http://127.0.0.1:1',
      channels: [polling, web],
      cluster: {
        nodeId: 'b',
        role: 'all',
        heldLeases: () => [],
        nodes: () => [
          { nodeId: 'a', role: 'gateway', seenMsAgo: 120, leases: ['channel:telegram'], lanes: 0 },
          { nodeId: 'b', role: 'all', seenMsAgo: 80, leases: [], lanes: 3 },
        ],
      },
    });
    expect(result.ready).toBe(true);
    expect(result.checks).toMatchObject({
      'channel:telegram': 'standby',
      node: 'b (all)',
      'node:a': 'gateway; leases: channel:telegram; lanes: 0 (0% of the queue); seen 120 ms ago',
      'node:b': 'all; leases: none; lanes: 3 (100% of the queue); seen 80 ms ago',
    });
  });
});
