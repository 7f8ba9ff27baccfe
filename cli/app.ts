/**
 * The composition root: wires one Parley process from a validated config, handing
 * each part only what it needs:
 *
 *   stores (storage.driver: sqlite | postgres) ─► access policy, approvals, tools, model ─► router
 *   bridge (inbox → queue → router → sender) ◄─► channels (cli/channels.ts modules, terminal)
 *   HTTP server (http/): web chat, admin console (admin/), webhooks
 *
 * `createApp` builds everything without touching the network; `start` opens the
 * HTTP server, re-queues unfinished messages, starts the channels, then the
 * scheduler (agent/scheduler: due jobs become inbox rows).
 *
 * On Postgres several processes share the data (docs/scale-out.md); `role` picks
 * what this one does: `gateway` runs the channels and HTTP server and only stores
 * inbound messages, `worker` runs turns from the shared inbox (leased lanes) and
 * sends their replies, `all` (the default) does both. The returned
 * {@link App} is what the admin console and tests look at; no part receives it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { registerAdmin } from '../admin/index.js';
import { ADMIN_PRINCIPAL } from '../admin/principal.js';
import { AccessPolicy } from '../agent/access.js';
import { ApprovalService } from '../agent/approvals.js';
import type { Command } from '../agent/commands.js';
import { type ChatModel, missingProvider, OpenAIChatModel } from '../agent/llm.js';
import { providerSecrets } from '../agent/models/providers.js';
import { RateLimiter } from '../agent/rate-limit/index.js';
import { Router } from '../agent/router.js';
import { type Clock, Scheduler } from '../agent/scheduler/index.js';
import { JobRunner } from '../agent/scheduler/run.js';
import { JobService } from '../agent/scheduler/service.js';
import { scheduleTool } from '../agent/scheduler/tool.js';
import type { TurnExtensions } from '../agent/turn-context.js';
import { unpricedWarning } from '../agent/usage/budgets.js';
import { UsageMeter } from '../agent/usage/meter.js';
import { metered } from '../agent/usage/metered.js';
import { OwnerChats } from '../agent/usage/owners.js';
import { Bridge } from '../bridge/index.js';
import { QueueModes } from '../bridge/modes.js';
import { TERMINAL_PRINCIPAL, TerminalChannel } from '../channels/terminal/adapter.js';
import { WEB_PRINCIPAL } from '../channels/web/index.js';
import type { ChannelAdapter } from '../core/contract.js';
import { HttpApp, HttpServer } from '../http/index.js';
import type { AccessStore, MetaStore, SessionStore, Stores } from '../sessions/stores.js';
import { removeInboundFiles } from '../sessions/workspace/index.js';
import type { McpManager } from '../tools/mcp/manager.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';
import { relayApprovals } from './approval-relay.js';
import { registerCapabilities } from './capabilities.js';
import { createChannels } from './channel-context.js';
import { ClusterNodeLoop } from './cluster.js';
import { dormantChannels, dormantLine } from './config/dormant.js';
import { configSecrets } from './config/fields.js';
import type { ParleyConfig } from './config/schema.js';
import { startIdleGc } from './idle-gc.js';
import { createLogger, type LogScreen } from './log.js';
import { createMetrics } from './metrics.js';
import { nodeIdOf, openStores, sharedStores } from './stores.js';
import { registerTools } from './tools.js';
import { relayWebChannel } from './web-relay.js';

export interface AppOptions {
  /** Logger to use instead of a new pino logger on stderr. */
  log?: Logger;
  /** What else draws on the log's terminal (the terminal chat's prompt), see cli/log.ts. */
  logScreen?: LogScreen;
  /** Run the terminal channel on these streams. */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; onClose?: () => void };
  /** Stand-ins channels read for themselves (e.g. `whatsappSocketFactory` in tests). */
  seams?: Readonly<Record<string, unknown>>;
  /** The operator's terminal, when Parley runs in one (channels draw pairing QRs there). */
  tty?: { write(text: string): void };
  /** The scheduler's clock (tests drive scheduled jobs with a fake one). */
  clock?: Clock;
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
  /** Prices, records and budgets every model call (the model above is wrapped by it). */
  usage: UsageMeter;
  redactor: Redactor;
  /** Undefined when the web server is disabled. */
  http: HttpServer | undefined;
  bridge: Bridge;
  router: Router;
  /** Scheduled jobs; undefined when `scheduler.enabled` is false. */
  scheduler: Scheduler | undefined;
  jobs: JobService | undefined;
  channels: ChannelAdapter[];
  /** Web chat / admin URL once started (empty when the web server is off). */
  url: string;
  /** Access token of the web chat and admin API. */
  token: string;
  /** True when Parley generated the token (stored in parley.db), false when it is `web.token`. */
  tokenGenerated: boolean;
  /** Why the model is unavailable, naming what to set. */
  providerMissing: string | undefined;
  startedAt: number;
  /** Postgres: this node's heartbeat, cluster view and channel connection leases. */
  cluster: ClusterNodeLoop | undefined;
  /** Starts serving; `announce` runs once the HTTP server listens, before channels start. */
  start(announce?: () => void): Promise<void>;
  stop(): Promise<void>;
}

async function webToken(
  config: ParleyConfig,
  meta: MetaStore,
): Promise<{ token: string; generated: boolean }> {
  if (config.web.token) return { token: config.web.token, generated: false };
  const stored = await meta.get('web.token');
  if (stored) return { token: stored, generated: true };
  const token = randomBytes(24).toString('base64url');
  await meta.set('web.token', token);
  return { token, generated: true };
}

export async function createApp(config: ParleyConfig, options: AppOptions = {}): Promise<App> {
  const redactor = new Redactor([...configSecrets(config), ...providerSecrets(config.llm)]);
  const { level, format } = config.logging;
  const log =
    options.log ?? createLogger({ level, format, redactor, ...screen(options.logScreen) });
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
  const { token, generated: tokenGenerated } = await webToken(config, stores.meta);
  redactor.add(token);
  const stops: (() => Promise<void> | void)[] = [];
  const onStop = (fn: () => Promise<void> | void) => void stops.push(fn);
  // Whoever types in Parley's own terminal or holds the admin token could edit its config.
  // The web chat needs the same token as the admin console: its user is the owner too.
  const access = new AccessPolicy(config.access, stores.access, [
    TERMINAL_PRINCIPAL,
    ADMIN_PRINCIPAL,
    WEB_PRINCIPAL,
  ]);
  const approvals = new ApprovalService(stores.approvals, {
    timeoutMs: config.tools.approvalTimeoutMinutes * 60_000,
    approver: config.tools.approver,
    isOwner: (principal) => access.isOwner(principal),
  });
  const tools = new ToolRegistry(config.tools.policies);
  const providerMissing = missingProvider(config.llm);
  const { usage, ownerChats } = createUsage(config, stores, log, () => bridge);
  const model = providerMissing ? undefined : metered(new OpenAIChatModel(config.llm), usage);
  const { llm, history } = config;
  const sessions = stores.sessions;
  // Filled by registerCapabilities below (prompt sections, message steps, commands).
  const turn: TurnExtensions = { sections: [], prepare: [] };
  const commands: Command[] = [];
  const rateLimit = {
    limiter: new RateLimiter(config.rateLimit),
    exemptOwners: config.rateLimit.exemptOwners,
  };
  const { scheduler, jobs } = createScheduler(config, stores, access, log, options.clock);
  if (jobs) tools.register(scheduleTool(jobs, config.scheduler));
  const queueModes = new QueueModes(config.queue, stores.meta);
  const router = new Router({
    config: { llm, history },
    ...{ sessions, access, approvals, tools, model, providerMissing, redactor, log },
    ...{ rateLimit, usage, ownerChats },
    jobs: jobs && {
      runner: new JobRunner({ jobs: stores.jobs, log, usage: stores.usage }),
      service: jobs,
    },
    meta: stores.meta,
    queueModes,
    ...{ turn, commands },
  });
  const { concurrency, capacity, maxAttempts } = config.queue;
  const bridge = new Bridge(stores.inbox, router, log, {
    ...{ concurrency, capacity, maxAttempts, modes: queueModes },
    inboxRetentionMs: config.queue.inboxRetentionDays * 86_400_000,
    discardFiles: (paths) => removeInboundFiles(config.dataDir, paths),
    ...(work ? { work } : {}),
  });
  const http = config.web.enabled
    ? new HttpServer(new HttpApp({ token, log, origins: publicOrigins(config) }), {
        host: config.web.host,
        port: config.web.port,
        log,
      })
    : undefined;
  const { dataDir, sandbox, fetchUrl, webSearch, mcp: mcpConfig } = config;
  const { mcp, sandbox: dockerSandbox } = await registerTools({
    config: { dataDir, sandbox, fetchUrl, webSearch, mcp: mcpConfig },
    ...{ tools, log, redactor, onStop, environment: process.env },
  });
  await registerCapabilities({
    ...{ config, tools, stores, mcp, turn, commands, log, redactor, onStop },
    sandbox: dockerSandbox,
  });
  const channels = await createChannels({
    ...{ config, log, http: http?.app, stores, onStop },
    seams: options.seams ?? {},
    tty: options.tty,
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
    ...{ approvals, mcp, usage },
    ...{ tools, model, redactor, http, bridge, router, channels, token, providerMissing },
    ...{ scheduler, jobs },
    tokenGenerated,
    url: '',
    startedAt: Date.now(),
    start: (announce) => start(app, onStop, announce),
    stop: () => stop(app, stops),
  };
  const metrics = createMetrics({ bridge, router, tools, usage });
  if (http) registerAdmin(http.app, app, metrics);
  return app;
}

function createScheduler(
  config: ParleyConfig,
  stores: Stores,
  access: AccessPolicy,
  log: Logger,
  clock: Clock | undefined,
): { scheduler: Scheduler | undefined; jobs: JobService | undefined } {
  if (!config.scheduler.enabled) return { scheduler: undefined, jobs: undefined };
  // On a cluster the scheduler waits for the `scheduler` lease (see start below).
  const standby = sharedStores(stores) !== undefined;
  const scheduler = new Scheduler({
    ...{ jobs: stores.jobs, config: config.scheduler, log, clock, standby },
  });
  const jobs = new JobService({
    ...{ jobs: stores.jobs, config: config.scheduler, scheduler, clock },
    isOwner: (principal) => access.isOwner(principal),
  });
  return { scheduler, jobs };
}

/**
 * The usage meter and where its alerts go: the log, and the DM of every owner the
 * router has seen write (`OwnerChats`). `bridge` is read when an alert is sent.
 */
function createUsage(
  config: ParleyConfig,
  stores: Stores,
  log: Logger,
  bridge: () => Bridge,
): { usage: UsageMeter; ownerChats: OwnerChats } {
  const ownerChats = new OwnerChats(
    stores.meta,
    (channel, target, text) => bridge().sender(channel).send(target, text),
    (error, owner) => log.warn({ err: error, owner }, 'usage alert not delivered to owner'),
  );
  const owners = [...config.access.owners, TERMINAL_PRINCIPAL];
  const usage = new UsageMeter(stores.usage, config.usage, {
    log,
    // Several nodes write the ledger on Postgres: sum it on every check instead.
    cacheSums: config.storage.driver !== 'postgres',
    alert: async (text) => {
      log.warn({ alert: text }, 'usage alert');
      await ownerChats.notify(owners, text);
    },
  });
  const warning = unpricedWarning(
    config.usage,
    config.llm.model,
    usage.priceOf(config.llm.model) !== undefined,
  );
  if (warning) log.warn(warning);
  return { usage, ownerChats };
}
const screen = (logScreen: LogScreen | undefined) => (logScreen ? { screen: logScreen } : {});

/** `web.publicOrigin` (a reverse proxy's address) is an allowed Origin besides the bound one. */
const publicOrigins = (config: ParleyConfig): string[] =>
  config.web.publicOrigin ? [config.web.publicOrigin] : [];

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
  // On a cluster one node at a time runs the scheduler: the holder of lease `scheduler`,
  // re-reading due jobs at every renewal (jobs may change on any node).
  const scheduler = app.scheduler;
  if (scheduler && app.cluster)
    app.cluster.holdTask({
      name: 'scheduler',
      start: () => scheduler.lead(true),
      stop: () => scheduler.lead(false),
      renewed: () => void scheduler.wake(),
    });
  await app.cluster?.start();
  for (const [index, channel] of app.channels.entries()) {
    if (!connected.includes(channel) || exclusive(channel)) continue;
    try {
      await channel.start(sinks[index]!);
    } catch (error) {
      app.log.error({ err: error, channel: channel.id }, 'channel failed to start');
    }
  }
  // After recovery and the channels: runs missed while Parley was down queue last.
  await app.scheduler?.start({
    submit: (message) => app.bridge.submit(message),
    hasChannel: (id) => app.bridge.adapter(id) !== undefined,
  });
  onStop(() => app.scheduler?.stop());
  const sweep = setInterval(() => void app.approvals.sweep(), 30_000);
  sweep.unref();
  onStop(() => clearInterval(sweep));
  onStop(startIdleGc());
  app.log.info(
    { url: app.url || undefined, channels: connected.map((c) => c.id), role: app.role },
    'parley ready',
  );
  warmUp(app);
}

/**
 * Pre-pays, in the background once Parley is ready, what the first turn would pay
 * on top of later ones: the tools' JSON Schemas (DM and group lists) and the running
 * sums of the global budgets (a SUM over today's and this month's ledger, which
 * grows with the ledger). Nothing is sent to the provider; a failure here surfaces
 * on the first turn.
 */
function warmUp(app: App): void {
  setImmediate(() => {
    app.tools.definitions();
    app.tools.definitions('group');
    app.usage
      .statusOf({})
      .catch((error: unknown) => app.log.debug({ err: error }, 'budget warm-up failed'));
  });
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
