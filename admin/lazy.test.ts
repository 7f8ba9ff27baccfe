/**
 * The console is built on its first request, never at start and never for a
 * healthcheck: building it loads the OpenAPI library and every schema.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Running, startParley, testConfig } from '../test/harness.js';

const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('./console.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./console.js')>();
  return {
    buildConsole: (...args: Parameters<typeof actual.buildConsole>) => {
      built.count++;
      return actual.buildConsole(...args);
    },
  };
});

describe('admin console loading', () => {
  let parley: Running | undefined;
  afterEach(async () => {
    await parley?.close();
  });

  it('is built on the first console request, once, and not for health or readiness', async () => {
    parley = await startParley(testConfig());
    const hono = parley.app.http!.app.hono;
    expect((await hono.request('/healthz')).status).toBe(200);
    expect((await hono.request('/readyz')).status).toBe(200);
    expect(built.count).toBe(0);
    const [first, second] = await Promise.all([
      hono.request('/openapi.json'),
      hono.request('/api/status', { headers: { authorization: `Bearer ${parley.app.token}` } }),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(built.count).toBe(1);
    const missing = await hono.request('/api/nothing-here', {
      headers: { authorization: `Bearer ${parley.app.token}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });
});
