/**
 * The composition root: wires one Parley process from a validated config, handing
 * each part only what it needs:
 *
 *   stores (sessions/sqlite) ─► access policy, approvals, tools, model ─► router
 *   bridge (inbox → queue → router → sender) ◄─► channels (cli/channels.ts modules, terminal)
 *   HTTP server (http/): web chat, admin console (admin/), webhooks
 *
 * `createApp` builds everything without touching the network; `start` opens the
 * HTTP server, re-queues unfinished messages, then starts the channels. The returned
 * {@link App} is what the admin console and tests look at; no part receives it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
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
import { openSqliteStores, type SqliteStores } from '../sessions/sqlite/index.js';
import type { AccessStore, MetaStore, SessionStore } from '../sessions/stores.js';
import type { McpManager } from '../tools/mcp/manager.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';
import { createChannels } from './channel-context.js';
import { dormantChannels, dormantLine } from './config/dormant.js';
import { configSecrets } from './config/fields.js';
import type { ParleyConfig } from './config/schema.js';
import { createLogger, type LogScreen } from './log.js';
import { createMetrics } from './metrics.js';
import { registerTools } from './tools.js';

export interface AppOptions {
  /** Logger to use instead of a new pino logger on stderr. */
  log?: Logger;
  /** What else draws on the log's terminal (the terminal chat's prompt), see cli/log.ts. */
  logScreen?: LogScreen;
  /** Run the terminal channel on these streams. */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; onClose?: () => void };
  /** Stand-ins channels read for themselves (e.g. `whatsappSocketFactory` in tests). */
  seams?: Readonly<Record<string, unknown>>;
}

/** The built process: its parts, for the admin console, `parley start` and tests. */
export interface App {
  config: ParleyConfig;
  log: Logger;
  stores: SqliteStores;
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
  /** True when Parley generated the token (stored in parley.db), false when it is `web.token`. */
  tokenGenerated: boolean;
  /** Why the model is unavailable, naming what to set. */
  providerMissing: string | undefined;
  startedAt: number;
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
  const redactor = new Redactor(configSecrets(config));
  const { level, format } = config.logging;
  const log =
    options.log ?? createLogger({ level, format, redactor, ...screen(options.logScreen) });
  // One serving process per data folder (a second one gets DataFolderLockedError).
  const stores = openSqliteStores(join(config.dataDir, 'parley.db'), {
    lock: true,
    checkpointer: { log },
  });
  const { token, generated: tokenGenerated } = await webToken(config, stores.meta);
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
  const bridge = new Bridge(stores.inbox, router, log, { ...config.queue });
  const http = config.web.enabled
    ? new HttpServer(new HttpApp({ token, log, origins: publicOrigins(config) }), {
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
  const app: App = {
    ...{ config, log, stores, sessions, accessStore: stores.access, access, approvals, mcp },
    ...{ tools, model, redactor, http, bridge, router, channels, token, providerMissing },
    tokenGenerated,
    url: '',
    startedAt: Date.now(),
    start: (announce) => start(app, onStop, announce),
    stop: () => stop(app, stops),
  };
  const metrics = createMetrics({ bridge, router, tools });
  if (http) registerAdmin(http.app, app, metrics);
  return app;
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
  await app.bridge.recover();
  for (const [index, channel] of app.channels.entries()) {
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
  await app.stores.close();
}
