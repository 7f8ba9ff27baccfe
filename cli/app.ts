/**
 * The composition root: wires one Parley process from a validated config, handing
 * each part only what it needs:
 *
 *   openStores ─► access policy, approvals, tools, model ─► router
 *   bridge (inbox → queue → router → sender) ◄─► channels (cli/channels.ts modules, terminal)
 *   HTTP server: web chat, admin, webhooks
 *
 * `createApp` builds everything without touching the network; `start` opens the
 * HTTP server, starts the channels and re-queues unfinished messages. The returned
 * {@link App} is what the admin console and tests look at; no part receives it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AccessPolicy } from '../agent/access.js';
import { ApprovalService } from '../agent/approvals.js';
import { type ChatModel, missingProvider, OpenAIChatModel } from '../agent/llm.js';
import { Router } from '../agent/router.js';
import { Bridge } from '../bridge/index.js';
import { HttpServer } from '../channels/http/server.js';
import { TERMINAL_PRINCIPAL, TerminalChannel } from '../channels/terminal/adapter.js';
import { ADMIN_PRINCIPAL } from '../channels/web/admin/api.js';
import { registerAdmin } from '../channels/web/admin/index.js';
import type { ChannelAdapter } from '../core/contract.js';
import type { AccessStore } from '../sessions/access-store.js';
import { startCheckpointer } from '../sessions/checkpoint.js';
import type { Db, MetaStore } from '../sessions/db.js';
import type { SessionStore } from '../sessions/store.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';
import { createChannels } from './channel-context.js';
import { dormantChannels, dormantLine } from './config/dormant.js';
import { configSecrets } from './config/fields.js';
import type { ParleyConfig } from './config/schema.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { openStores } from './stores.js';
import { registerTools } from './tools.js';

export interface AppOptions {
  /** Logger to use instead of a new pino logger on stderr. */
  log?: Logger;
  /** Run the terminal channel on these streams. */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; onClose?: () => void };
  /** Stand-ins channels read for themselves (e.g. `whatsappSocketFactory` in tests). */
  seams?: Readonly<Record<string, unknown>>;
}

/** The built process: its parts, for the admin console, `parley start` and tests. */
export interface App {
  config: ParleyConfig;
  log: Logger;
  db: Db;
  sessions: SessionStore;
  accessStore: AccessStore;
  access: AccessPolicy;
  approvals: ApprovalService;
  tools: ToolRegistry;
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
  /** Starts serving; `announce` runs once the HTTP server listens, before channels start. */
  start(announce?: () => void): Promise<void>;
  stop(): Promise<void>;
}

function webToken(config: ParleyConfig, meta: MetaStore): string {
  if (config.web.token) return config.web.token;
  const stored = meta.get('web.token');
  if (stored) return stored;
  const token = randomBytes(24).toString('base64url');
  meta.set('web.token', token);
  return token;
}

export async function createApp(config: ParleyConfig, options: AppOptions = {}): Promise<App> {
  const stores = openStores(config.dataDir, { autoCheckpoint: false });
  const token = webToken(config, stores.meta);
  const redactor = new Redactor([...configSecrets(config), token]);
  const log = options.log ?? createLogger({ level: config.logging.level, redactor });
  const checkpointer = startCheckpointer(stores.path, log);
  const stops: (() => Promise<void> | void)[] = [() => checkpointer.stop()];
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
  const bridge = new Bridge(stores.db, router, log, { ...config.queue });
  const http = config.web.enabled
    ? new HttpServer({ host: config.web.host, port: config.web.port, token, log })
    : undefined;
  const { dataDir, sandbox } = config;
  await registerTools({ config: { dataDir, sandbox }, tools, log, redactor, onStop });
  const channels = await createChannels({
    ...{ config, log, http, stores, onStop },
    seams: options.seams ?? {},
  });
  if (options.terminal) channels.push(new TerminalChannel(options.terminal));
  const app: App = {
    ...{ config, log, db: stores.db, sessions, accessStore: stores.access, access, approvals },
    ...{ tools, model, redactor, http, bridge, router, channels, token, providerMissing },
    url: '',
    startedAt: Date.now(),
    start: (announce) => start(app, onStop, announce),
    stop: () => stop(app, stops),
  };
  registerAdmin(app, createMetrics({ bridge, router, tools }));
  return app;
}

/**
 * Listens first (a port conflict fails before any platform is contacted, and webhooks
 * can be delivered as soon as they are registered), then `announce` (the CLI prints the
 * URL before the terminal prompt appears), then channels, then recovery.
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
  for (const channel of app.channels) {
    const sink = app.bridge.register(channel);
    try {
      await channel.start(sink);
    } catch (error) {
      app.log.error({ err: error, channel: channel.id }, 'channel failed to start');
    }
  }
  const sweep = setInterval(() => app.approvals.sweep(), 30_000);
  sweep.unref();
  onStop(() => clearInterval(sweep));
  await app.bridge.recover();
  app.log.info(
    { url: app.url || undefined, channels: app.channels.map((c) => c.id) },
    'parley ready',
  );
}

async function stop(app: App, stops: (() => Promise<void> | void)[]): Promise<void> {
  for (const channel of app.channels)
    await channel
      .stop()
      .catch((error) => app.log.warn({ err: error, channel: channel.id }, 'channel stop failed'));
  await app.bridge.stop();
  for (const fn of stops.reverse()) await fn();
  app.approvals.close();
  await app.http?.close();
  app.db.close();
}
