/**
 * The operator console itself, built on its first request (admin/index.ts): the
 * admin page, the JSON API, metrics and the OpenAPI document, all on one
 * OpenAPIHono app. Building it loads `@hono/zod-openapi` and every schema (tens of
 * megabytes, a few hundred milliseconds), which a Parley nobody looks at never pays.
 */
import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { HttpApp } from '../http/index.js';
import { registerApi } from './api.js';
import { adminScript } from './assets.js';
import { registerJobs } from './jobs.js';
import { registerNodes } from './nodes.js';
import { documentForeignRoutes, documentHealth, registerDocument, registerOps } from './ops.js';
import { ADMIN_CSP, adminPage } from './page.js';
import type { AdminApp, AdminMetrics } from './types.js';
import { registerUsage } from './usage.js';

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

/**
 * Builds the admin page, API, ops routes and OpenAPI document. Errors go to the
 * HTTP app's error boundary (rethrown); a path without a route is answered by
 * `notFound`, which lets the caller hand the request on.
 */
export function buildConsole(
  http: HttpApp,
  app: AdminApp,
  metrics: AdminMetrics,
  notFound: () => Response,
): OpenAPIHono {
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
  api.onError((error) => {
    throw error;
  });
  api.notFound(notFound);
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
  documentHealth(api);
  registerOps(api, metrics);
  registerApi(api, app, metrics, version);
  if (app.usage) registerUsage(api, app.usage);
  registerJobs(api, app);
  registerNodes(api, app);
  documentForeignRoutes(api);
  registerDocument(api, version);
  return api;
}
