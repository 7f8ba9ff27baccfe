/**
 * The operations routes beside the API: Prometheus metrics (token) and the OpenAPI
 * 3.1 document generated from every route's schema, as JSON and YAML (no token).
 * Liveness and readiness are documented here but served by admin/index.ts, so a
 * container healthcheck never builds the console.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import YAML from 'yaml';
import { op } from './api.js';
import * as s from './schemas.js';
import type { AdminMetrics } from './types.js';

const text = (type: string) => ({
  description: 'OK',
  content: { [type]: { schema: s.z.string() } },
});

/** Documents /healthz and /readyz, which admin/index.ts serves without building the console. */
export function documentHealth(api: OpenAPIHono): void {
  const open = { security: [] };
  api.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      ...open,
      responses: { 200: s.json(s.z.object({ ok: s.z.boolean(), uptimeSeconds: s.z.number() })) },
    }),
  );
  const ready = s.z.object({
    ready: s.z.boolean(),
    checks: s.z.record(s.z.string(), s.z.string()).optional(),
  });
  api.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database open and channels started (details only with the token)',
      ...open,
      responses: { 200: s.json(ready), 503: s.json(ready, 'Not ready') },
    }),
  );
}

export function registerOps(api: OpenAPIHono, metrics: AdminMetrics): void {
  const metricsRoute = createRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format); needs the token',
    responses: { 200: text('text/plain'), ...s.UNAUTHORIZED },
  });
  op(
    api,
    metricsRoute,
    async () =>
      new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
      }),
  );
  api.get('/favicon.ico', () => new Response(null, { status: 204 }));
}

/** Documents routes that other modules serve (the WhatsApp channel's pairing QR). */
export function documentForeignRoutes(api: OpenAPIHono): void {
  api.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/api/channels/whatsapp/qr',
      summary: 'WhatsApp pairing state and QR code (only while a whatsapp channel runs)',
      responses: { 200: s.json(s.WhatsAppQr), ...s.UNAUTHORIZED },
    }),
  );
}

/** Serves the document generated from `api`'s routes at `/openapi.json` and `/openapi.yaml`. */
export function registerDocument(api: OpenAPIHono, version: string): void {
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'cookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'parley_token',
  });
  let document: unknown;
  const generate = () => {
    document ??= api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Parley operations API',
        version,
        description:
          'Status, approvals, pairing, sessions, provider checks and metrics of a running Parley. ' +
          'Send the access token as `Authorization: Bearer <token>`. State-changing calls also need ' +
          '`X-Parley-Request: 1` and a JSON body.',
      },
      servers: [{ url: '/' }],
      security: [{ bearer: [] }, { cookie: [] }],
    });
    return document;
  };
  const docRoute = (path: string, type: string, summary: string) =>
    createRoute({ method: 'get', path, summary, security: [], responses: { 200: text(type) } });
  op(api, docRoute('/openapi.json', 'application/json', 'This document as JSON'), (c) =>
    c.json(generate() as object),
  );
  op(
    api,
    docRoute('/openapi.yaml', 'application/yaml', 'This document as YAML'),
    () =>
      new Response(YAML.stringify(generate()), {
        headers: { 'content-type': 'application/yaml; charset=utf-8', 'cache-control': 'no-store' },
      }),
  );
}
