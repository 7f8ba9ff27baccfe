/**
 * Leased lanes on a real Postgres: two bridges (two "nodes" in one process, each with
 * its own pool) share one inbox. Every message is answered once, in order within its
 * conversation, and a conversation never runs on both nodes at once; a node whose
 * lease was taken over has every write and send refused. The multi-process versions
 * (SIGKILL, SIGSTOP) are test/e2e/scale.test.ts.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStores, type PostgresStores } from '../sessions/postgres/index.js';
import { LeaseLostError } from '../sessions/stores.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { until } from '../test/wait.js';
import type { QueueConfig } from './config.js';
import { Bridge, type MessageHandler } from './index.js';
import { QueueModes } from './modes.js';

const silent = pino({ level: 'silent' });
const opened: PostgresStores[] = [];
const bridges: Bridge[] = [];

afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.stop(1000);
  for (const stores of opened.splice(0)) await stores.close();
});

type Modes = Partial<Pick<QueueConfig, 'mode' | 'debounceMs'>>;

async function node(
  url: string,
  id: string,
  handler: MessageHandler,
  leaseMs = 5000,
  queue: Modes = {},
) {
  const stores = await openPostgresStores(url);
  opened.push(stores);
  const work = stores.work({ nodeId: id, leaseMs });
  const modes = new QueueModes({ mode: 'followup', debounceMs: 0, channels: {}, ...queue });
  const bridge = new Bridge(stores.inbox, handler, silent, {
    work,
    workPollMs: 200,
    concurrency: 4,
    modes,
  });
  bridges.push(bridge);
  const channel = new TestChannel();
  const sink = bridge.register(channel);
  await channel.start(sink);
  await bridge.startLanes();
  return { stores, bridge, channel };
}

describe.skipIf(!postgres.available)(`leased lanes ${postgres.skipReason}`, () => {
  it('answers every message once, in order per conversation, one node per conversation at a time', async () => {
    const url = await freshSchema();
    const running = new Set<string>();
    let overlap = 0;
    const ran: Record<string, string[]> = { a: [], b: [] };
    const handler = (id: string): MessageHandler => ({
      handle: async (turn) => {
        if (running.has(turn.conversationKey)) overlap++;
        running.add(turn.conversationKey);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        running.delete(turn.conversationKey);
        ran[id]!.push(turn.conversationKey);
        return { text: `re ${turn.message.text}` };
      },
    });
    const a = await node(url, 'a', handler('a'));
    const b = await node(url, 'b', handler('b'));
    const conversations = 10;
    const perConversation = 8;
    for (let i = 0; i < perConversation; i++)
      for (let c = 0; c < conversations; c++)
        await (c % 2 ? a : b).channel.inject({ text: `c${c} m${i}`, sender: { id: `u${c}` } });
    const all = () => [...a.channel.delivered, ...b.channel.delivered];
    await until(() => all().length >= conversations * perConversation, 20_000);
    expect(overlap).toBe(0);
    for (let c = 0; c < conversations; c++) {
      const replies = all()
        .filter((d) => d.target.conversationId === `u${c}`)
        .sort((x, y) => x.at - y.at)
        .map((d) => d.message.text);
      expect(replies).toEqual([...Array(perConversation).keys()].map((i) => `re c${c} m${i}`));
    }
    expect(ran.a!.length).toBeGreaterThan(0);
    expect(ran.b!.length).toBeGreaterThan(0);
    await until(async () => (await a.stores.inbox.counts()).done === 80, 5000);
    expect(await a.stores.inbox.counts()).toMatchObject({ pending: 0, replying: 0, done: 80 });
    // Each lane is given up right after its last row is done, not in the same write.
    const leases = async () =>
      (await a.stores.pool.query('SELECT COUNT(*) AS n FROM lane_leases')).rows[0].n;
    await until(async () => (await leases()) === 0, 5000, { what: 'every lane released' });
  });

  it('refuses every write and send of a node whose lease was taken over (higher fence)', async () => {
    const url = await freshSchema();
    const stores = await openPostgresStores(url);
    opened.push(stores);
    const { entry } = await stores.inbox.accept(
      {
        channel: 'test',
        account: 'a',
        conversationId: 'c',
        sender: { id: 'u' },
        chatType: 'dm',
        mentionsBot: false,
        repliesToBot: false,
        text: 'q',
        attachments: [],
        platformMessageId: '1',
        timestamp: 0,
      },
      'k',
    );
    const zombie = stores.work({ nodeId: 'zombie', leaseMs: 60_000 });
    const [old] = await zombie.claim(5);
    expect(old).toEqual({ lane: 'k', nodeId: 'zombie', fence: 1 });
    const fencedOld = zombie.fenced(old!, () => true);
    await fencedOld.begin(entry.id);
    // The zombie's lease runs out (it was paused); another node takes the lane over.
    await stores.pool.query(
      `UPDATE lane_leases SET expires_at = clock_timestamp() - interval '1 second'`,
    );
    const taker = stores.work({ nodeId: 'taker', leaseMs: 60_000 });
    const [fresh] = await taker.claim(5);
    expect(fresh).toEqual({ lane: 'k', nodeId: 'taker', fence: 2 });
    const reply = { chunks: ['late'], sent: 0, messageIds: [] };
    await expect(fencedOld.setReply(entry.id, reply)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(fencedOld.guard!()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(fencedOld.complete(entry.id, reply)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(fencedOld.setReplyDelivered(entry.id, reply, undefined, 'c')).rejects.toThrow(
      LeaseLostError,
    );
    expect(await stores.webOutbox.since('c', 0)).toEqual([]);
    expect(await zombie.renew(old!)).toBe(false);
    expect(await zombie.release(old!)).toBe('lost');
    // The node's own clock check fails first, before the database is asked.
    await expect(taker.fenced(fresh!, () => false).guard!()).rejects.toBeInstanceOf(LeaseLostError);
    const current = taker.fenced(fresh!, () => true);
    await current.setReply(entry.id, { chunks: ['one answer'], sent: 0, messageIds: [] });
    expect((await stores.inbox.get(entry.id))!.state).toBe('replying');
    expect(await taker.claim(5)).toEqual([]);
  });

  it('applies an edit on another node to a message still waiting in its lane, and ignores one after its turn', async () => {
    const url = await freshSchema();
    let release!: () => void;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const worker = await node(url, 'worker', {
      handle: async (turn) => {
        seen.push(turn.message.text);
        if (turn.message.text === 'first') await first;
        return { text: `re ${turn.message.text}` };
      },
    });
    // A gateway node accepts (and edits) without running lanes itself.
    const gateway = await openPostgresStores(url);
    opened.push(gateway);
    const front = new Bridge(gateway.inbox, { handle: async () => null }, silent, {
      work: gateway.work({ nodeId: 'gateway', leaseMs: 5000 }),
    });
    bridges.push(front);
    const channel = new TestChannel();
    await channel.start(front.register(channel));
    await channel.inject({ text: 'first', platformMessageId: 'p1' });
    await until(() => seen.length === 1, 10_000);
    await channel.inject({ text: 'draft', platformMessageId: 'p2' });
    expect(await channel.injectEdit('p2', { text: 'final' })).toEqual({ applied: true });
    expect(await channel.injectEdit('p1', { text: 'too late' })).toEqual({ applied: false });
    release();
    await until(() => worker.channel.delivered.length === 2, 10_000);
    expect(seen).toEqual(['first', 'final']);
    expect(await channel.injectEdit('p2', { text: 'later' })).toEqual({ applied: false });
  });

  describe('queue modes', () => {
    /** A worker-only node (it takes lanes) and an accept-only node (it never does). */
    async function pair(handler: MessageHandler, queue: Modes) {
      const url = await freshSchema();
      const worker = await node(url, 'worker', handler, 5000, queue);
      const stores = await openPostgresStores(url);
      opened.push(stores);
      const front = new Bridge(stores.inbox, handler, silent, {
        work: stores.work({ nodeId: 'front', leaseMs: 5000 }),
      });
      bridges.push(front);
      const channel = new TestChannel();
      await channel.start(front.register(channel));
      return { worker, channel, stores };
    }

    it('collect: rows accepted on another node during a turn become one next turn', async () => {
      const inputs: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const handler: MessageHandler = {
        handle: async (turn) => {
          inputs.push(turn.message.text);
          if (inputs.length === 1) await gate;
          return { text: `re ${turn.message.text}` };
        },
      };
      const { worker, channel, stores } = await pair(handler, { mode: 'collect' });
      await channel.inject({ text: 'a' });
      await until(() => inputs.length === 1, 5000);
      await channel.inject({ text: 'b' });
      await channel.inject({ text: 'c' });
      release();
      await until(() => worker.channel.delivered.length === 2, 5000);
      expect(inputs).toEqual(['a', 'b\nc']);
      expect(worker.channel.texts()).toEqual(['re a', 're b\nc']);
      await until(async () => (await stores.inbox.counts()).done === 3, 5000);
    });

    it('interrupt: a row accepted on another node aborts the turn; the next one answers both', async () => {
      const inputs: string[] = [];
      let controller: AbortController | undefined;
      const handler: MessageHandler = {
        interrupt: () => {
          controller?.abort(new Error('interrupted'));
          return controller !== undefined;
        },
        handle: async (turn) => {
          inputs.push(turn.message.text);
          if (inputs.length > 1) return { text: `re ${turn.message.text}` };
          controller = new AbortController();
          const signal = controller.signal;
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
          return null;
        },
      };
      const { worker, channel, stores } = await pair(handler, { mode: 'interrupt' });
      await channel.inject({ text: 'long question' });
      await until(() => inputs.length === 1, 5000);
      await channel.inject({ text: 'never mind' });
      await until(() => worker.channel.delivered.length === 1, 5000);
      expect(inputs).toEqual(['long question', 'long question\nnever mind']);
      expect(worker.channel.texts()).toEqual(['re long question\nnever mind']);
      await until(async () => (await stores.inbox.counts()).done === 2, 5000);
      const { rows } = await stores.pool.query('SELECT attempts FROM inbox ORDER BY id');
      expect(rows.map((row: { attempts: number }) => row.attempts)).toEqual([1, 1]);
    });

    it('debounce: a lane waits until its newest row is debounceMs old; the burst is one turn', async () => {
      const inputs: string[] = [];
      const handler: MessageHandler = {
        handle: async (turn) => {
          inputs.push(turn.message.text);
          return { text: 'ok' };
        },
      };
      const { worker, channel } = await pair(handler, { debounceMs: 400 });
      for (const text of ['one', 'two', 'three']) {
        await channel.inject({ text });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await until(() => worker.channel.delivered.length === 1, 5000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(inputs).toEqual(['one\ntwo\nthree']);
    });
  });
});
