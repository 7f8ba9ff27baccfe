/**
 * A node of a cluster sharing one Postgres database (docs/scale-out.md): its
 * heartbeat in the node registry, the cluster view /readyz shows, and the channel
 * connections it holds through leases.
 *
 *   every leaseMs/5: heartbeat ─► for each exclusive channel (Telegram polling, a
 *   WhatsApp socket, the Discord gateway, Slack Socket Mode):
 *     not held ─acquire─► held: reload its auth state, channel.start(sink)
 *     held ─renew fails─► channel.stop()   (another node took it after it expired)
 *
 * A node that dies stops renewing; the next node's acquire succeeds once the lease
 * expired, so a connection moves within leaseMs + leaseMs/5. A second poller never
 * runs: a node stops its channel as soon as one renewal fails.
 *
 * Other work one node at a time does is held the same way ({@link ClusterNodeLoop.holdTask}):
 * the scheduler runs on the holder of lease `scheduler`.
 */
import type { Logger } from 'pino';
import type { ChannelAdapter, InboundSink } from '../core/contract.js';
import type { ClusterNode, NamedLeases } from '../sessions/stores.js';

export interface ClusterOptions {
  nodeId: string;
  role: string;
  leaseMs: number;
  log: Logger;
  /** Called before a channel starts on this node (e.g. reload its auth state). */
  beforeStart?: (channel: ChannelAdapter) => Promise<void>;
}

/** Work one node of the cluster does at a time, while it holds lease `name`. */
export interface LeasedTask {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called on every renewal while held (e.g. re-read a store other nodes write). */
  renewed?(): void;
}

interface Held {
  task: LeasedTask;
  /** Set for a channel connection (log fields and `beforeStart`). */
  channel?: ChannelAdapter;
  fence: number | undefined;
}

export class ClusterNodeLoop {
  private readonly held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private view: ClusterNode[] = [];
  private readonly startedAt = Date.now();
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly leases: NamedLeases,
    private readonly options: ClusterOptions,
  ) {}

  /** Channels started only while this node holds `channel:<id>`. */
  hold(channel: ChannelAdapter, sink: InboundSink): void {
    const task: LeasedTask = {
      name: leaseName(channel),
      start: async () => {
        await this.options.beforeStart?.(channel);
        await channel.start(sink);
      },
      stop: () => channel.stop(),
    };
    this.held.push({ task, channel, fence: undefined });
  }

  /** `task` runs only while this node holds lease `task.name`. */
  holdTask(task: LeasedTask): void {
    this.held.push({ task, fence: undefined });
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  get role(): string {
    return this.options.role;
  }

  /** The last cluster view: every live node, its role, leases and lanes. */
  nodes(): ClusterNode[] {
    return this.view;
  }

  /** Leases this node holds now. */
  heldLeases(): string[] {
    return this.held.filter((h) => h.fence !== undefined).map((h) => h.task.name);
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(
      () => {
        this.ticking ??= this.tick().finally(() => {
          this.ticking = undefined;
        });
      },
      Math.max(200, this.options.leaseMs / 5),
    );
    this.timer.unref();
  }

  /** Stops the held channels and gives their leases back, so another node takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    for (const held of this.held) {
      if (held.fence === undefined) continue;
      await held.task.stop().catch(() => {});
      await this.leases.release(held.task.name, this.options.nodeId, held.fence).catch(() => {});
      held.fence = undefined;
    }
  }

  private async tick(): Promise<void> {
    const { nodeId, role, leaseMs, log } = this.options;
    try {
      await this.leases.heartbeat(nodeId, role, this.startedAt);
      for (const held of this.held) await this.keep(held);
      this.view = await this.leases.nodes(leaseMs * 3);
    } catch (error) {
      log.warn({ err: error }, 'cluster heartbeat failed');
    }
  }

  private async keep(held: Held): Promise<void> {
    const { nodeId, leaseMs, log } = this.options;
    const { name } = held.task;
    const what = held.channel ? { channel: held.channel.id } : { lease: name };
    if (held.fence !== undefined) {
      if (await this.leases.renew(name, nodeId, held.fence, leaseMs)) {
        held.task.renewed?.();
        return;
      }
      held.fence = undefined;
      log.warn(
        what,
        held.channel
          ? 'connection lease lost; stopping the channel here'
          : 'lease lost; stopping its work here',
      );
      await held.task.stop().catch(() => {});
      return;
    }
    const fence = await this.leases.acquire(name, nodeId, leaseMs);
    if (fence === undefined) return;
    held.fence = fence;
    log.info(
      { ...what, fence },
      held.channel
        ? 'connection lease taken; starting the channel here'
        : 'lease taken; starting its work here',
    );
    try {
      await held.task.start();
    } catch (error) {
      log.error(
        { err: error, ...what },
        held.channel ? 'channel failed to start' : 'failed to start',
      );
    }
  }
}

const leaseName = (channel: ChannelAdapter) => `channel:${channel.id}`;
