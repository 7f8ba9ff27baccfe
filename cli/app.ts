/**
 * The composition root: wires one Parley process from a validated config, handing
 * each part only what it needs:
 *
 *   stores (storage.driver: sqlite | postgres) ─► access policy, approvals, tools, model ─► router
 *   bridge (inbox → queue → router → sender) ◄─► channels (cli/channels.ts modules, terminal)
 *   HTTP server (http/): web chat, admin console (admin/), webhooks
 *
 * `createApp` builds everything without touching the network; `start` opens the
 * HTTP server, re-queues unfinished messages, then starts the channels.
 *
 * On Postgres several processes share the data (docs/scale-out.md); `role` picks
 * what this one does: `gateway` runs the channels and HTTP server and only stores
 * inbound messages, `worker` runs turns from the shared inbox (leased lanes) and
 * sends their replies, `all` (the default) does both. The returned
 * {@link App} is what the admin console and tests look at; no part receives it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ADMIN_PRINCIPAL } from '../admin/api.js';
import { registerAdmin } from '../admin/index.js';
import { AccessPolicy } from '../agent/access.js';
import { ApprovalService } from '../agent/approvals.js';
import { type ChatModel, missingProvider, OpenAIChatModel } from '../agent/llm.js';
import { Router } from '../agent/router.js';
import { Bridge } from '../bridge/index.js';
import { TERMINAL_PRINCIPAL, TerminalChannel } from '../channels/terminal/adapter.js';
import type { ChannelAdapter } from '../core/contract.js';
import { HttpApp, HttpServer } from '../http/index.js';
import type { AccessStore, MetaStore, SessionStore, Stores } from '../sessions/stores.js';
import type { McpManager } from '../tools/mcp/manager.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';
import { relayApprovals } from './approval-relay.js';
import { createChannels } from './channel-context.js';
import { ClusterNodeLoop } from './cluster.js';
import { dormantChannels, dormantLine } from './config/dormant.js';
import { configSecrets } from './config/fields.js';
import type { ParleyConfig } from './config/schema.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { nodeIdOf, openStores, sharedStores } from './stores.js';
import { registerTools } from './tools.js';
import { relayWebChannel } from './web-relay.js';

export interface AppOptions {
  /** Logger to use instead of a new pino logger on stderr. */
  log?: Logger;
  /** Run the terminal channel on these streams. */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; onClose?: () => void };
  /** Stand-ins channels read for themselves (e.g. `whatsappSocketFactory` in tests). */
  seams?: Readonly<Record<string, unknown>>;
  /** What this process does when several share a Postgres database (default `all`). */
  role?: NodeRole;
}

/** `parley start --role`: see the module comment. */
export type NodeRole = 'all' | 'gateway' | 'worker';
export const NODE_ROLES: readonly NodeRole[] = ['all', 'gateway', 'worker'];

/** The built process: its parts, for the admin console, `parley start` and tests. */
export interface App {
  config: ParleyConfig;
  log: Logger;
  stores: Stores;
  /** This process's role, and its node id in leases (Postgres). */
  role: NodeRole;
  nodeId: string;
  sessions: SessionStore;
  accessStore: AccessStore;
  access: AccessPolicy;
  approvals: ApprovalService;
  tools: ToolRegistry;
  /** MCP servers' connections; undefined when none is configured. */
  mcp: McpManager | undefined;
  model: ChatModel | undefined;
  redactor: Redactor;
  /** Undefined when the web server is disabled. */
  http: HttpServer | undefined;
  bridge: Bridge;
  router: Router;
  channels: ChannelAdapter[];
  /** Web chat / admin URL once started (empty when the web server is off). */
  url: string;
  /** Access token of the web chat and admin API. */
  token: string;
  /** Why the model is unavailable, naming what to set. */
  providerMissing: string | undefined;
  startedAt: number;
  /** Postgres: this node's heartbeat, cluster view and channel connection leases. */
  cluster: ClusterNodeLoop | undefined;
  /** Starts serving; `announce` runs once the HTTP server listens, before channels start. */
  start(announce?: () => void): Promise<void>;
  stop(): Promise<void>;
}

async function webToken(config: ParleyConfig, meta: MetaStore): Promise<string> {
  if (config.web.token) return config.web.token;
  const stored = await meta.get('web.token');
  if (stored) return stored;
  const token = randomBytes(24).toString('base64url');
  await meta.set('web.token', token);
  return token;
}

export async function createApp(config: ParleyConfig, options: AppOptions = {}): Promise<App> {
  const redactor = new Redactor(configSecrets(config));
  const log = options.log ?? createLogger({ level: config.logging.level, redactor });
  const role = options.role ?? 'all';
  if (role !== 'all' && config.storage.driver !== 'postgres')
    throw new Error(
      `--role ${role} needs a database several nodes share: set storage.driver: postgres and storage.url (PARLEY_DATABASE_URL), or run without --role.`,
    );
  // SQLite: one serving process per data folder (a second one gets DataFolderLockedError).
  // Postgres: any number of nodes; the inbox is shared through leased lanes.
  const stores = await openStores(config, { serve: true, log });
  const nodeId = nodeIdOf(config.storage);
  const shared = sharedStores(stores);
  const work = shared?.work({ nodeId, leaseMs: config.storage.leaseSeconds * 1000 });
  const token = await webToken(config, stores.meta);
  redactor.add(token);
  const stops: (() => Promise<void> | void)[] = [];
  const onStop = (fn: () => Promise<void> | void) => void stops.push(fn);
  // Whoever types in Parley's own terminal or holds the admin token could edit its config.
  const access = new AccessPolicy(config.access, stores.access, [
    TERMINAL_PRINCIPAL,
    ADMIN_PRINCIPAL,
  ]);
  const approvals = new ApprovalService(stores.approvals, {
    timeoutMs: config.tools.approvalTimeoutMinutes * 60_000,
    approver: config.tools.approver,
    isOwner: (principal) => access.isOwner(principal),
  });
  const tools = new ToolRegistry(config.tools.policies);
  const providerMissing = missingProvider(config.llm);
  const model = providerMissing ? undefined : new OpenAIChatModel(config.llm);
  const { llm, history } = config;
  const sessions = stores.sessions;
  const router = new Router({
    config: { llm, history },
    ...{ sessions, access, approvals, tools, model, providerMissing, redactor, log },
  });
  const bridge = new Bridge(stores.inbox, router, log, {
    ...config.queue,
    ...(work ? { work } : {}),
  });
  const http = config.web.enabled
    ? new HttpServer(new HttpApp({ token, log }), {
        host: config.web.host,
        port: config.web.port,
        log,
      })
    : undefined;
  const { dataDir, sandbox, fetchUrl, mcp: mcpConfig } = config;
  const mcp = await registerTools({
    config: { dataDir, sandbox, fetchUrl, mcp: mcpConfig },
    ...{ tools, log, redactor, onStop, environment: process.env },
  });
  const channels = await createChannels({
    ...{ config, log, http: http?.app, stores, onStop },
    seams: options.seams ?? {},
  });
  if (options.terminal) channels.push(new TerminalChannel(options.terminal));
  const cluster = shared
    ? new ClusterNodeLoop(shared.leases, {
        nodeId,
        role,
        leaseMs: config.storage.leaseSeconds * 1000,
        log,
        beforeStart: () => shared.reloadAuthStates(),
      })
    : undefined;
  const app: App = {
    cluster,
    ...{ config, log, stores, role, nodeId, sessions, accessStore: stores.access, access },
    ...{ approvals, mcp },
    ...{ tools, model, redactor, http, bridge, router, channels, token, providerMissing },
    url: '',
    startedAt: Date.now(),
    start: (announce) => start(app, onStop, announce),
    stop: () => stop(app, stops),
  };
  const metrics = createMetrics({ bridge, router, tools });
  if (http) registerAdmin(http.app, app, metrics);
  return app;
}

/**
 * Listens first (a port conflict fails before any platform is contacted), then
 * `announce` (the CLI prints the URL before the terminal prompt appears), then
 * recovery (unfinished rows queue first, oldest first, before any channel can
 * accept a new message), then the channels.
 */
async function start(
  app: App,
  onStop: (fn: () => void) => void,
  announce?: () => void,
): Promise<void> {
  if (app.providerMissing) app.log.warn(app.providerMissing);
  for (const notice of dormantChannels(app.config)) app.log.warn(dormantLine(notice));
  if (app.http) app.url = await app.http.listen();
  announce?.();
  const sinks = app.channels.map((channel) => app.bridge.register(channel));
  const shared = sharedStores(app.stores);
  // An owner's answer on one node releases the turn waiting for it on another.
  if (shared) onStop(await relayApprovals(app.approvals, shared.bus, app.log));
  // A web chat reply run on another node reaches the socket this node holds, and back.
  for (const channel of shared ? app.channels.filter((c) => c.localOutbox) : []) {
    const relay = { nodeId: app.nodeId, bus: shared!.bus, outbox: app.stores.webOutbox };
    onStop(
      await relayWebChannel(channel, { ...relay, log: app.log, listen: app.role !== 'worker' }),
    );
  }
  await app.bridge.recover();
  if (app.role !== 'gateway') await app.bridge.startLanes();
  // A worker sends replies through the channels' APIs but holds no connection to them;
  // on a cluster, a channel with one connection per account starts on the lease holder.
  const connected = app.role === 'worker' ? [] : app.channels;
  const exclusive = (channel: ChannelAdapter) =>
    app.cluster !== undefined && channel.capabilities.connection === 'exclusive';
  for (const [index, channel] of app.channels.entries())
    if (connected.includes(channel) && exclusive(channel))
      app.cluster!.hold(channel, sinks[index]!);
  await app.cluster?.start();
  for (const [index, channel] of app.channels.entries()) {
    if (!connected.includes(channel) || exclusive(channel)) continue;
    try {
      await channel.start(sinks[index]!);
    } catch (error) {
      app.log.error({ err: error, channel: channel.id }, 'channel failed to start');
    }
  }
  const sweep = setInterval(() => void app.approvals.sweep(), 30_000);
  sweep.unref();
  onStop(() => clearInterval(sweep));
  app.log.info(
    { url: app.url || undefined, channels: connected.map((c) => c.id), role: app.role },
    'parley ready',
  );
}

async function stop(app: App, stops: (() => Promise<void> | void)[]): Promise<void> {
  await app.cluster?.stop();
  for (const channel of app.channels)
    await channel
      .stop()
      .catch((error) => app.log.warn({ err: error, channel: channel.id }, 'channel stop failed'));
  await app.bridge.stop();
  for (const fn of stops.reverse()) await fn();
  app.approvals.close();
  await app.http?.close();
  await app.stores.close();
}
