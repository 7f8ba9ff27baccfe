/**
 * The admin side of Parley's HTTP server, registered by the wiring once the
 * channels exist:
 *
 *   /admin, /admin/admin.js     the admin page (token via cookie set by `/` or /admin?token=)
 *   /api/...                    the JSON API behind it (api.ts), token required
 *   /healthz, /readyz           liveness and readiness, no token (container healthchecks)
 *   /metrics                    Prometheus text format, token required (bearer token)
 *   /openapi.json, .yaml        the API description (openapi.ts), no token
 *
 * Everything is generic over `app.channels` (their `status()`) and `app.tools`, so
 * channels added later show up without changes here.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import YAML from 'yaml';
import type { ApprovalService } from '../../../agent/approvals.js';
import type { ChatModel } from '../../../agent/llm.js';
import type { Bridge } from '../../../bridge/index.js';
import type { ChannelAdapter } from '../../../core/contract.js';
import type { AccessStore } from '../../../sessions/access-store.js';
import type { Db } from '../../../sessions/db.js';
import type { SessionStore } from '../../../sessions/store.js';
import type { Redactor } from '../../../tools/redact.js';
import type { ToolRegistry } from '../../../tools/registry.js';
import { type HttpServer, sendJson } from '../../http/server.js';
import { registerApi } from './api.js';
import { openApiDocument } from './openapi.js';
import { ADMIN_CSP, adminPage } from './page.js';
import { adminScript } from './script.js';

/** What the admin console reads and acts on (the composition root's `App` has all of it). */
export interface AdminApp {
  config: { llm: { timeoutMs: number } };
  log: Logger;
  db: Db;
  sessions: SessionStore;
  accessStore: AccessStore;
  approvals: ApprovalService;
  tools: ToolRegistry;
  model: ChatModel | undefined;
  redactor: Redactor;
  http: HttpServer | undefined;
  bridge: Bridge;
  channels: ChannelAdapter[];
  url: string;
  startedAt: number;
  providerMissing: string | undefined;
}

/** The Prometheus registry and live stats the composition root builds (cli/metrics.ts). */
export interface Metrics {
  registry: { contentType: string; metrics(): Promise<string> };
  live: { snapshot(): unknown };
}

function packageVersion(): string {
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'parley' && pkg.version) return pkg.version;
    } catch {}
  }
  return '0.0.0';
}

function send(
  res: ServerResponse,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** Readiness: the database is open, the server listens and no channel is still starting. */
export function readiness(app: AdminApp): { ready: boolean; checks: Record<string, string> } {
  const checks: Record<string, string> = {
    database: app.db.open ? 'open' : 'closed',
    server: app.url ? 'listening' : 'starting',
  };
  for (const channel of app.channels)
    checks[`channel:${channel.id}`] = channel.status?.().state ?? 'unknown';
  const starting = Object.values(checks).some((v) => v === 'starting' || v === 'closed');
  return { ready: !starting, checks };
}

export function registerAdmin(app: AdminApp, metrics: Metrics): void {
  const http = app.http;
  if (!http) return;
  const version = packageVersion();
  registerOps(http, app, metrics, version);
  http.route('GET', '/admin', (_req, res) =>
    send(res, 'text/html; charset=utf-8', adminPage(), {
      'set-cookie': `parley_token=${encodeURIComponent(http.token)}; HttpOnly; SameSite=Strict; Path=/`,
      'content-security-policy': ADMIN_CSP,
    }),
  );
  http.route(
    'GET',
    '/admin/admin.js',
    (_req, res) => send(res, 'text/javascript; charset=utf-8', adminScript()),
    { auth: false },
  );
  http.route('GET', '/api/stats', (_req, res) => sendJson(res, 200, metrics.live.snapshot()));
  registerApi(http, app, version);
}

function registerOps(http: HttpServer, app: AdminApp, metrics: Metrics, version: string): void {
  const started = Date.now();
  http.route(
    'GET',
    '/healthz',
    (_req, res) =>
      sendJson(res, 200, { ok: true, uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
    { auth: false },
  );
  http.route(
    'GET',
    '/readyz',
    (req, res, url) => {
      const result = readiness(app);
      // Channel names and states only for the token holder.
      const body = http.authorized(req, url) ? result : { ready: result.ready };
      sendJson(res, result.ready ? 200 : 503, body);
    },
    { auth: false },
  );
  http.route('GET', '/metrics', async (_req, res) =>
    send(res, metrics.registry.contentType, await metrics.registry.metrics()),
  );
  http.route('GET', '/favicon.ico', (_req, res) => void res.writeHead(204).end(), { auth: false });
  const document = openApiDocument(version);
  http.route('GET', '/openapi.json', (_req, res) => sendJson(res, 200, document), { auth: false });
  http.route(
    'GET',
    '/openapi.yaml',
    (_req, res) => send(res, 'application/yaml; charset=utf-8', YAML.stringify(document)),
    { auth: false },
  );
}
