/**
 * Calls the admin API from the page. Paths are written as OpenAPI templates
 * (`path('/api/sessions/{id}', { id })`) so a test can check every one against the
 * generated document. State-changing calls send `X-Parley-Request: 1` and JSON,
 * which the server requires (a cross-origin page cannot send them unasked).
 */

export function path(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) =>
    encodeURIComponent(String(params[key])),
  );
}

export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-parley-request'] = '1';
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'DELETE') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(url, init);
  const data = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
