/**
 * The operator console on Parley's HTTP server, mounted by the composition root
 * once the channels exist:
 *
 *   /admin, /admin/admin.js     the admin page (token via cookie set by `/?token=` or /admin?token=)
 *   /api/...                    the JSON API behind it (api.ts, usage.ts), token required
 *   /healthz, /readyz           liveness and readiness, no token (container healthchecks)
 *   /metrics                    Prometheus text format, token required (bearer token)
 *   /openapi.json, .yaml        the API description generated from the routes, no token
 *
 * Everything is generic over `app.channels` (their `status()`) and `app.tools`, so
 * channels added later show up without changes here.
 */
import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ApprovalService } from '../agent/approvals.js';
import type { ChatModel } from '../agent/llm.js';
import type { ChannelAdapter } from '../core/contract.js';
import type { HttpApp } from '../http/index.js';
import type { AccessStore, SessionStore } from '../sessions/stores.js';
import type { Redactor } from '../tools/redact.js';
import type { ToolRegistry } from '../tools/registry.js';
import { registerApi } from './api.js';
import { adminScript } from './assets.js';
import { registerJobs } from './jobs.js';
import { documentForeignRoutes, registerDocument, registerOps } from './ops.js';
import { ADMIN_CSP, adminPage } from './page.js';
import type { AdminApp, AdminMetrics } from './types.js';
import { registerUsage } from './usage.js';

export { readiness } from './readiness.js';
export type { AdminApp, AdminMetrics } from './types.js';

function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
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

/** Mounts the admin page, API, ops routes and OpenAPI document on `http`. */
export function registerAdmin(http: HttpApp, app: AdminApp, metrics: AdminMetrics): void {
  const version = packageVersion();
  const api = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success)
        return c.json(
          {
            error: result.error.issues
              .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
              .join('; '),
          },
          400,
        );
    },
  });
  const token = http.requireToken();
  api.use('/api/*', token);
  api.use('/metrics', token);
  api.use('/admin', token);
  api.get(
    '/admin',
    () =>
      new Response(adminPage(), {
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': ADMIN_CSP,
        },
      }),
  );
  api.get(
    '/admin/admin.js',
    async () =>
      new Response(await adminScript(), {
        headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' },
      }),
  );
  registerOps(api, app, metrics, http.token);
  registerApi(api, app, metrics, version);
  if (app.usage) registerUsage(api, app.usage);
  registerJobs(api, app);
  documentForeignRoutes(api);
  registerDocument(api, version);
  http.hono.route('/', api);
}
