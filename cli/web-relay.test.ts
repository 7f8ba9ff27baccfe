import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter } from '../core/contract.js';
import type { WebOutboxItem, WebOutboxStore } from '../core/stores.js';
import { openPostgresStores, type PostgresStores } from '../sessions/postgres/index.js';
import type { MessageBus } from '../sessions/stores.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { relayWebChannel } from './web-relay.js';

const opened: PostgresStores[] = [];
afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.close();
});

/** A local-write channel that records what it pushes to its sockets. */
function webChannel(pushed: WebOutboxItem[] = []): ChannelAdapter {
  return {
    id: 'web',
    localOutbox: { pushStored: (items: WebOutboxItem[]) => pushed.push(...items) },
    send: async () => ({ messageId: '0' }),
  } as unknown as ChannelAdapter;
}

describe.skipIf(!postgres.available)(`web chat across nodes ${postgres.skipReason}`, () => {
  it("pushes one client's replies in the order they were stored, however long each lookup takes", async () => {
    const url = await freshSchema();
    const [holder, worker] = [await openPostgresStores(url), await openPostgresStores(url)];
    opened.push(holder, worker);
    const log = pino({ level: 'silent' });
    // The holder's first lookup waits until the second note has arrived and its own
    // lookup (if one started) has finished, or 100 ms: a slow query on one pool
    // connection while the next one is fast on another.
    let arrived = 0;
    let secondArrived!: () => void;
    const second = new Promise<void>((resolve) => {
      secondArrived = resolve;
    });
    let secondLookup: Promise<unknown> | undefined;
    const bus: MessageBus = {
      publish: (topic, payload) => holder.bus.publish(topic, payload),
      subscribe: (topic, onMessage) =>
        holder.bus.subscribe(topic, (payload) => {
          onMessage(payload);
          if (++arrived === 2) secondArrived();
        }),
    };
    let lookups = 0;
    const outbox: WebOutboxStore = {
      add: (...args) => holder.webOutbox.add(...args),
      prune: (...args) => holder.webOutbox.prune(...args),
      forget: (...args) => holder.webOutbox.forget(...args),
      since: async (...args) => {
        const lookup = ++lookups;
        if (lookup === 1) {
          await second;
          await Promise.race([
            new Promise((resolve) => setTimeout(resolve, 100)),
            new Promise((resolve) => setImmediate(resolve)).then(() => secondLookup),
          ]);
        }
        const found = holder.webOutbox.since(...args);
        if (lookup === 2) secondLookup = found;
        return found;
      },
    };
    const pushed: WebOutboxItem[] = [];
    await relayWebChannel(webChannel(pushed), { nodeId: 'a', bus, outbox, log, listen: true });
    const turns = webChannel();
    await relayWebChannel(turns, {
      nodeId: 'b',
      bus: worker.bus,
      outbox: worker.webOutbox,
      log,
      listen: false,
    });
    for (const text of ['first reply', 'second reply']) {
      const item = await worker.webOutbox.add('client-1', { text });
      turns.localOutbox!.pushStored([item]);
    }
    await expect.poll(() => pushed.length).toBe(2);
    expect(pushed.map((item) => item.payload.text)).toEqual(['first reply', 'second reply']);
  });
});
