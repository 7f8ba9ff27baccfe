/**
 * The admin JSON API (all behind the access token): status of channels and queue,
 * live stats, approvals, pairing, sessions and provider checks. Handlers only call
 * the services the app already has (`app.approvals`, `app.accessStore`,
 * `app.sessions`, `app.model`); the admin token holder answers approvals as the
 * owner principal {@link ADMIN_PRINCIPAL}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelStatus } from '../../../core/contract.js';
import { HttpError, type HttpServer, readJson, sendJson } from '../../http/server.js';
import type { AdminApp } from './index.js';
import { listProviderModels, pingProvider } from './provider.js';

/** Who the admin page acts as when it answers approvals (an owner). */
export const ADMIN_PRINCIPAL = 'admin:web';

/** Each channel's status, for the page and `parley status`. */
export function channelStatuses(
  app: AdminApp,
): (ChannelStatus & { id: string; capabilities: Record<string, unknown> })[] {
  return app.channels.map((channel) => {
    const status = channel.status?.() ?? {
      state: 'unknown' as ChannelStatus['state'],
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
  };
}

/** The last path segment after `prefix`, URL-decoded. */
function param(url: URL, prefix: string): string {
  return decodeURIComponent(url.pathname.slice(prefix.length)).trim();
}

function sessionId(url: URL): number {
  const id = Number(param(url, '/api/sessions/'));
  if (!Number.isInteger(id) || id <= 0)
    throw new HttpError(400, 'session id must be a positive integer');
  return id;
}

async function body<T extends Record<string, unknown>>(req: IncomingMessage): Promise<Partial<T>> {
  const value = await readJson<unknown>(req, 10_000);
  if (!value || typeof value !== 'object') throw new HttpError(400, 'expected a JSON object');
  return value as Partial<T>;
}

export function registerApi(http: HttpServer, app: AdminApp, version: string): void {
  const ok = (res: ServerResponse, value: unknown, status = 200) => sendJson(res, status, value);
  http.route('GET', '/api/status', async (_q, res) => ok(res, await statusBody(app, version)));
  http.route('GET', '/api/channels', (_q, res) => ok(res, channelStatuses(app)));
  http.route('GET', '/api/tools', (_q, res) =>
    ok(
      res,
      app.tools.all().map((tool) => ({
        name: tool.name,
        description: tool.description,
        policy: app.tools.policy(tool.name),
        sandboxed: tool.sandboxed === true,
        ...(app.tools.unavailable(tool.name)
          ? { unavailable: app.tools.unavailable(tool.name) }
          : {}),
      })),
    ),
  );
  registerApprovals(http, app);
  registerPairing(http, app);
  registerSessions(http, app);
  http.route('POST', '/api/provider/ping', async (_q, res) =>
    ok(res, await pingProvider(app.model, app.providerMissing, app.config.llm.timeoutMs)),
  );
  http.route('GET', '/api/provider/models', async (_q, res) =>
    ok(res, await listProviderModels(app.model, app.providerMissing)),
  );
}

function registerApprovals(http: HttpServer, app: AdminApp): void {
  http.route('GET', '/api/approvals', async (_q, res) =>
    sendJson(
      res,
      200,
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
  http.route('POST', '/api/approvals/*', async (req, res, url) => {
    const { answer } = await body<{ answer: string }>(req);
    if (answer !== 'approve' && answer !== 'deny' && answer !== 'session')
      throw new HttpError(400, 'answer must be "approve", "deny" or "session"');
    const result = await app.approvals.answer(
      param(url, '/api/approvals/').toUpperCase(),
      answer,
      ADMIN_PRINCIPAL,
    );
    app.log.info(
      { approval: param(url, '/api/approvals/'), answer, ok: result.ok },
      'approval answered from admin page',
    );
    sendJson(res, result.ok ? 200 : 409, result.ok ? result : { error: result.text });
  });
}

function registerPairing(http: HttpServer, app: AdminApp): void {
  http.route('GET', '/api/pairing', async (_q, res) =>
    sendJson(res, 200, await app.accessStore.pending()),
  );
  http.route('POST', '/api/pairing/*', async (req, res, url) => {
    const { action } = await body<{ action: string }>(req);
    const code = param(url, '/api/pairing/');
    if (action === 'approve') {
      const request = await app.accessStore.approve(code);
      if (!request)
        throw new HttpError(404, `no pending pairing request ${code} (unknown or expired)`);
      return sendJson(res, 200, { ok: true, request });
    }
    if (action === 'reject') {
      if (!(await app.accessStore.reject(code)))
        throw new HttpError(404, `no pending pairing request ${code}`);
      return sendJson(res, 200, { ok: true });
    }
    throw new HttpError(400, 'action must be "approve" or "reject"');
  });
}

function registerSessions(http: HttpServer, app: AdminApp): void {
  http.route('GET', '/api/sessions', async (_q, res, url) => {
    const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit')) || 50));
    const offset = Math.max(0, Number(url.searchParams.get('offset')) || 0);
    sendJson(res, 200, await app.sessions.list({ limit, offset }));
  });
  http.route('GET', '/api/sessions/*', async (_q, res, url) => {
    const id = sessionId(url);
    const session = await app.sessions.get(id);
    if (!session) throw new HttpError(404, `no session ${id}`);
    sendJson(res, 200, { session, messages: await app.sessions.transcript(id) });
  });
  http.route('DELETE', '/api/sessions/*', async (_q, res, url) => {
    const id = sessionId(url);
    if (!(await app.sessions.purgeSession(id))) throw new HttpError(404, `no session ${id}`);
    app.log.info({ session: id }, 'session purged from admin page');
    sendJson(res, 200, { purged: true });
  });
  http.route('GET', '/api/export', async (_q, res, url) => {
    const channel = url.searchParams.get('channel');
    const user = url.searchParams.get('user');
    if (!channel || !user) throw new HttpError(400, 'give channel and user query parameters');
    const text = JSON.stringify(await app.sessions.exportUser(channel, user), null, 2);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="parley-${channel}-${user.replace(/[^A-Za-z0-9_-]/g, '_')}.json"`,
    });
    res.end(text);
  });
}
