/**
 * A node of a cluster sharing one Postgres database (docs/scale-out.md): its
 * heartbeat in the node registry, the cluster view /readyz shows, and the channel
 * connections it holds through leases.
 *
 *   every leaseMs/5: heartbeat ─► for each exclusive channel (Telegram polling, a
 *   WhatsApp socket, the Discord gateway, Slack Socket Mode):
 *     not held ─acquire─► held: reload its auth state, channel.start(sink)
 *     held ─renew fails─► channel.stop()   (another node has it, or the database is gone)
 *
 * A node that dies stops renewing; the next node's acquire succeeds once the lease
 * expired, so a connection moves within leaseMs + leaseMs/5. A second poller never
 * runs: a node stops its channel as soon as one renewal fails.
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

interface Held {
  channel: ChannelAdapter;
  sink: InboundSink;
  fence: number | undefined;
  busy: boolean;
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
    this.held.push({ channel, sink, fence: undefined, busy: false });
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
    return this.held.filter((h) => h.fence !== undefined).map((h) => leaseName(h.channel));
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
      await held.channel.stop().catch(() => {});
      await this.leases
        .release(leaseName(held.channel), this.options.nodeId, held.fence)
        .catch(() => {});
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
    const name = leaseName(held.channel);
    if (held.fence !== undefined) {
      if (await this.leases.renew(name, nodeId, held.fence, leaseMs)) return;
      held.fence = undefined;
      log.warn({ channel: held.channel.id }, 'connection lease lost; stopping the channel here');
      await held.channel.stop().catch(() => {});
      return;
    }
    const fence = await this.leases.acquire(name, nodeId, leaseMs);
    if (fence === undefined) return;
    held.fence = fence;
    log.info(
      { channel: held.channel.id, fence },
      'connection lease taken; starting the channel here',
    );
    try {
      await this.options.beforeStart?.(held.channel);
      await held.channel.start(held.sink);
    } catch (error) {
      log.error({ err: error, channel: held.channel.id }, 'channel failed to start');
    }
  }
}

const leaseName = (channel: ChannelAdapter) => `channel:${channel.id}`;
