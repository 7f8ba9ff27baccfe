/**
 * Wires one Parley process from a validated config:
 *
 *   SQLite ─► stores ─► access policy, approvals, tools, model ─► router
 *   bridge (inbox → queue → router → sender) ◄─► channels (web, terminal, messengers)
 *   HTTP server: web chat, admin, webhooks
 *
 * `createApp` builds everything without touching the network; `start` opens the
 * HTTP server, starts the channels and re-queues unfinished messages.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ADMIN_PRINCIPAL } from '../admin/api.js';
import { registerAdmin } from '../admin/index.js';
import { AccessPolicy } from '../agent/access.js';
import { ApprovalService } from '../agent/approvals.js';
import { missingProvider, OpenAIChatModel } from '../agent/llm.js';
import { Router } from '../agent/router.js';
import { Bridge } from '../bridge/index.js';
import { TERMINAL_PRINCIPAL, TerminalChannel } from '../channels/terminal/adapter.js';
import { WebChannel } from '../channels/web/adapter.js';
import type { WhatsAppSocketFactory } from '../channels/whatsapp/socket.js';
import type { ChannelAdapter } from '../core/contract.js';
import { HttpApp, HttpServer } from '../http/index.js';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import type { MetaStore } from '../sessions/stores.js';
import { Redactor } from '../tools/redact.js';
import { ToolRegistry } from '../tools/registry.js';
import { createMessengerChannels } from './channels.js';
import type { ParleyConfig } from './config/schema.js';
import type { AppContext } from './context.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { registerTools } from './tools.js';

export interface AppOptions {
  /** Logger to use instead of a new pino logger on stderr. */
  log?: Logger;
  /** Run the terminal channel on these streams. */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; onClose?: () => void };
  /** Stands in for Baileys' `makeWASocket` (tests drive WhatsApp through a double). */
  whatsappSocketFactory?: WhatsAppSocketFactory;
}

export interface App extends AppContext {
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

/** Every configured secret, for redaction in logs, tool output and replies. */
export function configSecrets(config: ParleyConfig): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string' && /token|key|secret|password/i.test(key)) found.push(value);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(config, '');
  return found;
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
  // One serving process per data folder (a second one gets DataFolderLockedError).
  const stores = openSqliteStores(join(config.dataDir, 'parley.db'), {
    lock: true,
    checkpointer: { log },
  });
  const token = await webToken(config, stores.meta);
  redactor.add(token);
  const stops: (() => Promise<void> | void)[] = [];
  const { sessions, access: accessStore } = stores;
  // Whoever types in Parley's own terminal or holds the admin token could edit its config.
  const access = new AccessPolicy(config.access, accessStore, [
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
  let bridgeRef: Bridge | undefined;
  const router = new Router({
    config,
    sessions,
    access,
    approvals,
    tools,
    model,
    providerMissing,
    redactor,
    log,
    status: () => ({ 'queue depth': bridgeRef?.depth ?? 0 }),
  });
  const bridge = new Bridge(stores.inbox, router, log, { ...config.queue });
  bridgeRef = bridge;
  const http = config.web.enabled
    ? new HttpServer(new HttpApp({ token, log }), {
        host: config.web.host,
        port: config.web.port,
        log,
      })
    : undefined;
  const app: App = {
    config,
    log,
    stores,
    sessions,
    accessStore,
    access,
    approvals,
    tools,
    model,
    redactor,
    http,
    bridge,
    router,
    channels: [],
    url: '',
    token,
    providerMissing,
    startedAt: Date.now(),
    onStop: (fn) => stops.push(fn),
    whatsappSocketFactory: options.whatsappSocketFactory,
    start: (announce) => start(app, announce),
    stop: () => stop(app, stops),
  };
  await registerTools(app);
  if (http) app.channels.push(new WebChannel(http.app, stores.webOutbox, log));
  if (options.terminal) app.channels.push(new TerminalChannel(options.terminal));
  app.channels.push(...(await createMessengerChannels(app)));
  const metrics = createMetrics(app);
  if (http) registerAdmin(http.app, app, metrics);
  return app;
}

/**
 * Listens first (a port conflict fails before any platform is contacted, and webhooks
 * can be delivered as soon as they are registered), then `announce` (the CLI prints the
 * URL before the terminal prompt appears), then channels, then recovery.
 */
async function start(app: App, announce?: () => void): Promise<void> {
  if (app.providerMissing) app.log.warn(app.providerMissing);
  if (app.http) app.url = await app.http.listen();
  announce?.();
  // Recovery runs before any channel can accept: unfinished rows queue first, oldest first.
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
  app.onStop(() => clearInterval(sweep));
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
