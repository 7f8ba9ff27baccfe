/**
 * The web chat's HTTP routes (all behind the access token; the server refuses
 * state-changing requests from a foreign Origin before they get here):
 *
 *   GET    /                         the page (strict Content-Security-Policy)
 *   GET    /web/chat.js              its script
 *   GET    /web/conversations        the conversation list, most recent first
 *   PUT    /web/conversations/<id>   rename: {"title": "…"}
 *   DELETE /web/conversations/<id>   delete the conversation and its history
 *   POST   /web/upload?conversation=<id>&name=<file name>   raw file bytes
 *
 * State-changing requests also carry `X-Parley-Request: 1`, a header a foreign
 * page cannot add without a CORS preflight that Parley never grants.
 */
import type { HttpRoutes } from '../../core/http.js';
import { CONVERSATION_ID, type Conversations } from './conversations.js';
import { CHAT_CSP, chatPage } from './page.js';
import { chatScript } from './script.js';
import { MAX_UPLOAD, type Uploads } from './uploads.js';

export interface WebRoutesTarget {
  conversations: Conversations;
  uploads: Uploads;
  deleteConversation(id: string): Promise<boolean>;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function registerPages(http: HttpRoutes, chat: WebRoutesTarget): void {
  http.route('GET', '/', () => html(chatPage()));
  http.route(
    'GET',
    '/web/chat.js',
    () =>
      new Response(chatScript(), {
        headers: { 'content-type': 'text/javascript; charset=utf-8', ...NO_STORE },
      }),
  );
  http.route('GET', '/web/conversations', () =>
    Response.json({ conversations: chat.conversations.list() }, { headers: NO_STORE }),
  );
  http.route('PUT', '/web/conversations/*', (request) => rename(request, chat));
  http.route('DELETE', '/web/conversations/*', async (request) => {
    const id = idFrom(request);
    if (!id) return fail(400, 'unknown conversation id');
    if (!fromPage(request)) return refusedHeader();
    return (await chat.deleteConversation(id))
      ? Response.json({ deleted: id })
      : fail(404, 'no such conversation');
  });
  http.route('POST', '/web/upload', (request) => upload(request, chat), {
    maxBodyBytes: MAX_UPLOAD,
  });
}

async function rename(request: Request, chat: WebRoutesTarget): Promise<Response> {
  const id = idFrom(request);
  if (!id) return fail(400, 'unknown conversation id');
  if (!fromPage(request)) return refusedHeader();
  const body = (await request.json().catch(() => undefined)) as { title?: unknown } | undefined;
  if (typeof body?.title !== 'string' || !body.title.trim())
    return fail(400, 'send {"title": "a non-empty name"}');
  const renamed = chat.conversations.rename(id, body.title);
  return renamed ? Response.json(renamed) : fail(404, 'no such conversation');
}

async function upload(request: Request, chat: WebRoutesTarget): Promise<Response> {
  if (!fromPage(request)) return refusedHeader();
  const url = new URL(request.url);
  const conversation = url.searchParams.get('conversation') ?? '';
  if (!CONVERSATION_ID.test(conversation)) return fail(400, 'unknown conversation id');
  const data = new Uint8Array(await request.arrayBuffer());
  if (data.length === 0) return fail(400, 'the file is empty');
  const name = (url.searchParams.get('name') ?? '').slice(0, 200);
  return Response.json(await chat.uploads.save(conversation, name, data));
}

function html(body: string): Response {
  return new Response(body, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CHAT_CSP,
      ...NO_STORE,
    },
  });
}

function idFrom(request: Request): string | undefined {
  const id = new URL(request.url).pathname.split('/').pop() ?? '';
  return CONVERSATION_ID.test(id) ? id : undefined;
}

function fromPage(request: Request): boolean {
  return request.headers.get('x-parley-request') === '1';
}

function refusedHeader(): Response {
  return fail(403, 'state-changing requests need the header x-parley-request: 1');
}

function fail(status: number, error: string): Response {
  return Response.json({ error }, { status });
}
