/**
 * The admin JSON API (all behind the access token), as OpenAPI routes: status of
 * channels and queue, live stats, approvals, pairing, sessions and provider checks.
 * Handlers only call the services the app already has (`approvals`, `accessStore`,
 * `sessions`, `model`); the admin token holder answers approvals as the owner
 * principal {@link ADMIN_PRINCIPAL}. Request bodies and path parameters are
 * validated by the route schemas (400 with the reason otherwise).
 */
import { createRoute, type OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ChannelStatus as Status } from '../core/contract.js';
import { listProviderModels, pingProvider } from './provider.js';
import * as s from './schemas.js';
import type { AdminApp, AdminMetrics } from './types.js';

/** Who the admin page acts as when it answers approvals (an owner). */
export const ADMIN_PRINCIPAL = 'admin:web';

type Handler = (c: Context) => Response | Promise<Response>;

/** Registers `route` (documented and validated) with a handler that answers plain Responses. */
export function op(api: OpenAPIHono, route: RouteConfig, handler: Handler): void {
  api.openapi(route, handler as never);
}

/** The validated part `target` of the request (the route's schema guarantees the shape). */
function valid<T extends z.ZodType>(c: Context, target: 'json' | 'param', _schema: T): z.infer<T> {
  return (c.req.valid as (target: string) => unknown)(target) as z.infer<T>;
}

const get = (path: string, summary: string, schema: z.ZodType, extra: Partial<RouteConfig> = {}) =>
  createRoute({
    method: 'get',
    path,
    summary,
    ...extra,
    responses: { 200: s.json(schema), ...s.UNAUTHORIZED, ...extra.responses },
  });

/** Each channel's status, for the page and `parley status`. */
export function channelStatuses(
  app: AdminApp,
): (Status & { id: string; capabilities: Record<string, unknown> })[] {
  return app.channels.map((channel) => {
    const status = channel.status?.() ?? {
      state: 'unknown' as Status['state'],
      since: app.startedAt,
    };
    const { maxMessageLength, format, buttons, streaming } = channel.capabilities;
    return {
      id: channel.id,
      ...status,
      capabilities: { maxMessageLength, format, buttons, streaming },
    };
  });
}

export async function statusBody(app: AdminApp, version: string) {
  return {
    version,
    uptimeSeconds: Math.round((Date.now() - app.startedAt) / 1000),
    url: app.url,
    model: app.model?.name ?? 'not configured',
    providerMissing: app.providerMissing ?? null,
    queue: { depth: app.bridge.depth, active: app.bridge.active },
    channels: channelStatuses(app),
    pendingApprovals: (await app.approvals.pending()).length,
    pendingPairing: (await app.accessStore.pending()).length,
    ...(app.cluster
      ? {
          cluster: {
            nodeId: app.cluster.nodeId,
            role: app.cluster.role,
            nodes: app.cluster.nodes(),
          },
        }
      : {}),
  };
}

export function registerApi(
  api: OpenAPIHono,
  app: AdminApp,
  metrics: AdminMetrics,
  version: string,
): void {
  op(api, get('/api/status', 'Overview: channels, queue, pending work', s.Status), async (c) =>
    c.json(await statusBody(app, version)),
  );
  op(api, get('/api/channels', "Each channel's status", s.ChannelStatus.array()), async (c) =>
    c.json(channelStatuses(app)),
  );
  op(api, get('/api/stats', 'Live figures for the charts (10 s buckets)', s.Stats), async (c) =>
    c.json(metrics.live.snapshot() as object),
  );
  op(api, get('/api/tools', 'Registered tools and their policies', s.Tool.array()), async (c) =>
    c.json(toolList(app)),
  );
  registerApprovals(api, app);
  registerPairing(api, app);
  registerSessions(api, app);
  registerProvider(api, app);
}

function toolList(app: AdminApp) {
  return app.tools.all().map((tool) => ({
    name: tool.name,
    description: tool.description,
    policy: app.tools.policy(tool.name),
    sandboxed: tool.sandboxed === true,
    ...(app.tools.unavailable(tool.name) ? { unavailable: app.tools.unavailable(tool.name) } : {}),
  }));
}

function registerApprovals(api: OpenAPIHono, app: AdminApp): void {
  op(api, get('/api/approvals', 'Pending tool-call approvals', s.Approval.array()), async (c) =>
    c.json(
      (await app.approvals.pending()).map((a) => ({
        id: a.id,
        tool: a.tool,
        args: app.redactor.redact(a.args),
        channel: a.channel,
        conversationKey: a.conversationKey,
        requestedBy: a.requestedBy,
        sandboxed: app.tools.get(a.tool)?.sandboxed === true,
        status: a.status,
        createdAt: a.createdAt,
        expiresAt: a.expiresAt,
      })),
    ),
  );
  const answerRoute = createRoute({
    method: 'post',
    path: '/api/approvals/{id}',
    summary: 'Answer an approval as the owner (principal admin:web)',
    request: {
      params: s.IdParam,
      body: { required: true, content: { 'application/json': { schema: s.AnswerBody } } },
    },
    responses: {
      200: s.json(s.z.object({ ok: s.z.boolean(), text: s.z.string() })),
      400: s.json(s.ErrorBody, 'Bad request'),
      409: s.json(s.ErrorBody, 'Unknown or already answered'),
      ...s.UNAUTHORIZED,
    },
  });
  op(api, answerRoute, async (c) => {
    const { id } = valid(c, 'param', s.IdParam);
    const { answer } = valid(c, 'json', s.AnswerBody);
    const result = await app.approvals.answer(id.trim().toUpperCase(), answer, ADMIN_PRINCIPAL);
    app.log.info({ approval: id, answer, ok: result.ok }, 'approval answered from admin page');
    return result.ok ? c.json(result) : c.json({ error: result.text }, 409);
  });
}

function registerPairing(api: OpenAPIHono, app: AdminApp): void {
  op(api, get('/api/pairing', 'Pending pairing requests', s.PairingRequest.array()), async (c) =>
    c.json(await app.accessStore.pending()),
  );
  const pairRoute = createRoute({
    method: 'post',
    path: '/api/pairing/{code}',
    summary: 'Approve or reject a pairing request',
    request: {
      params: s.CodeParam,
      body: { required: true, content: { 'application/json': { schema: s.PairingBody } } },
    },
    responses: {
      200: s.json(s.z.object({ ok: s.z.boolean(), request: s.PairingRequest.optional() })),
      400: s.json(s.ErrorBody, 'Bad request'),
      404: s.json(s.ErrorBody, 'Unknown or expired code'),
      ...s.UNAUTHORIZED,
    },
  });
  op(api, pairRoute, async (c) => {
    const code = valid(c, 'param', s.CodeParam).code.trim();
    const { action } = valid(c, 'json', s.PairingBody);
    if (action === 'approve') {
      const request = await app.accessStore.approve(code);
      if (!request)
        return c.json({ error: `no pending pairing request ${code} (unknown or expired)` }, 404);
      return c.json({ ok: true, request });
    }
    if (!(await app.accessStore.reject(code)))
      return c.json({ error: `no pending pairing request ${code}` }, 404);
    return c.json({ ok: true });
  });
}

function registerSessions(api: OpenAPIHono, app: AdminApp): void {
  const paging = s.z.object({
    limit: s.z.string().optional().openapi({ type: 'integer', minimum: 1, maximum: 500 }),
    offset: s.z.string().optional().openapi({ type: 'integer', minimum: 0 }),
  });
  op(
    api,
    get('/api/sessions', 'Recent sessions', s.Session.array(), { request: { query: paging } }),
    async (c) => {
      const limit = Math.min(500, Math.max(1, Number(c.req.query('limit')) || 50));
      const offset = Math.max(0, Number(c.req.query('offset')) || 0);
      return c.json(await app.sessions.list({ limit, offset }));
    },
  );
  const one = {
    request: { params: s.SessionParam },
    responses: { 404: s.json(s.ErrorBody, 'No such session') },
  };
  const transcript = s.z.object({ session: s.Session, messages: s.Message.array() });
  op(api, get('/api/sessions/{id}', "A session's transcript", transcript, one), async (c) => {
    const { id } = valid(c, 'param', s.SessionParam);
    const session = await app.sessions.get(id);
    if (!session) return c.json({ error: `no session ${id}` }, 404);
    return c.json({ session, messages: await app.sessions.transcript(id) });
  });
  const purge = createRoute({
    method: 'delete',
    path: '/api/sessions/{id}',
    summary: 'Purge a session and its messages',
    ...one,
    responses: {
      200: s.json(s.z.object({ purged: s.z.boolean() })),
      ...one.responses,
      ...s.UNAUTHORIZED,
    },
  });
  op(api, purge, async (c) => {
    const { id } = valid(c, 'param', s.SessionParam);
    if (!(await app.sessions.purgeSession(id))) return c.json({ error: `no session ${id}` }, 404);
    app.log.info({ session: id }, 'session purged from admin page');
    return c.json({ purged: true });
  });
  registerExport(api, app);
}

function registerExport(api: OpenAPIHono, app: AdminApp): void {
  const query = s.z.object({ channel: s.z.string(), user: s.z.string() });
  const route = get(
    '/api/export',
    'Everything stored about one user (their DMs and their messages in groups), as a JSON download',
    s.z.record(s.z.string(), s.z.unknown()),
    { request: { query } },
  );
  op(api, route, async (c) => {
    const { channel, user } = valid(c, 'query' as 'json', query);
    const text = JSON.stringify(await app.sessions.exportUser(channel, user), null, 2);
    return new Response(text, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="parley-${channel}-${user.replace(/[^A-Za-z0-9_-]/g, '_')}.json"`,
      },
    });
  });
}

function registerProvider(api: OpenAPIHono, app: AdminApp): void {
  const ping = createRoute({
    method: 'post',
    path: '/api/provider/ping',
    summary: 'Send a tiny completion to the configured model',
    responses: { 200: s.json(s.ProviderCheck), ...s.UNAUTHORIZED },
  });
  op(api, ping, async (c) =>
    c.json(await pingProvider(app.model, app.providerMissing, app.config.llm.timeoutMs)),
  );
  op(api, get('/api/provider/models', "The provider's model list", s.ProviderCheck), async (c) =>
    c.json(await listProviderModels(app.model, app.providerMissing)),
  );
}
