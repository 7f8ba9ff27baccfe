import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouterEvent } from '../agent/router.js';
import type { BridgeEvent } from '../bridge/index.js';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../test/harness.js';
import { defineTool } from '../tools/registry.js';
import { createMetrics, LiveStats, type MetricsSources, percentile } from './metrics.js';

describe('LiveStats', () => {
  it('counts per bucket, fills quiet buckets and keeps a bounded window', () => {
    let now = 1_000_000;
    const stats = new LiveStats(
      () => ({ depth: 3, active: 1 }),
      10_000,
      6,
      () => now,
    );
    stats.record('in');
    stats.record('out', 100);
    stats.record('out', 300);
    now += 25_000;
    stats.record('sandbox');
    const snap = stats.snapshot();
    expect(snap.buckets.map((b) => b.messagesIn)).toEqual([1, 0, 0]);
    expect(snap.buckets[0]).toMatchObject({ latencyP50: 100, latencyP99: 300, queueDepth: 3 });
    expect(snap.buckets[2]!.sandboxRuns).toBe(1);
    now += 200_000;
    expect(stats.snapshot().buckets).toHaveLength(1);
    expect(stats.snapshot().totals).toMatchObject({
      messagesIn: 1,
      messagesOut: 2,
      sandboxRuns: 1,
    });
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([...Array(100).keys()], 99)).toBe(98);
  });
});

describe('createMetrics', () => {
  it('turns retry events into retry and 429 counters, and reads queue depth on scrape', async () => {
    const bridgeListeners: ((event: BridgeEvent) => void)[] = [];
    let routerListener: ((event: RouterEvent) => void) | undefined;
    const app = {
      bridge: { on: (l: (e: BridgeEvent) => void) => bridgeListeners.push(l), depth: 7, active: 2 },
      router: { on: (l: (e: RouterEvent) => void) => (routerListener = l) },
      tools: { get: () => undefined },
    } as unknown as Pick<MetricsSources, 'bridge' | 'router' | 'tools'>;
    const { registry } = createMetrics(app);
    const emit = (event: BridgeEvent) => {
      for (const l of bridgeListeners) l(event);
    };
    emit({ type: 'retry', channel: 'telegram', status: 429, delayMs: 3000 });
    emit({ type: 'retry', channel: 'telegram', status: undefined, delayMs: 500 });
    emit({ type: 'accepted', channel: 'telegram', duplicate: true });
    emit({ type: 'failed', channel: 'telegram', error: 'boom' });
    routerListener?.({ type: 'llm', ok: false, latencyMs: 1200 });
    const text = await registry.metrics();
    expect(text).toContain('parley_platform_retries_total{channel="telegram",status="429"} 1');
    expect(text).toContain('parley_platform_retries_total{channel="telegram",status="network"} 1');
    expect(text).toContain('parley_platform_rate_limited_total{channel="telegram"} 1');
    expect(text).toContain('parley_messages_duplicate_total{channel="telegram"} 1');
    expect(text).toContain('parley_replies_failed_total{channel="telegram"} 1');
    expect(text).toContain('parley_llm_errors_total 1');
    expect(text).toContain('parley_queue_depth 7');
    expect(text).toContain('parley_queue_active 2');
  });
});

describe('metrics fed by bridge and router events', () => {
  let llm: OpenAIDouble;
  let parley: Running;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'k' } }));
    parley.app.tools.register(
      defineTool({
        name: 'fake_shell',
        description: 'stands in for a sandboxed tool',
        policy: 'auto',
        sandboxed: true,
        schema: z.object({}),
        run: async () => ({ content: 'ran' }),
      }),
    );
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });

  it('counts sandbox runs, tool calls and provider errors', async () => {
    const metrics = async () =>
      (
        await fetch(`${parley.app.url}/metrics`, {
          headers: { authorization: `Bearer ${parley.app.token}` },
        })
      ).text();
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push({ toolCalls: [{ name: 'fake_shell', arguments: '{}' }] }, { text: 'done' });
    await client.send('run it');
    await client.waitFor((f) => f.type === 'message' && f.text === 'done');
    llm.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    await client.send('fail please');
    await client.waitForMessages(2);
    const text = await metrics();
    expect(text).toMatch(/parley_sandbox_runs_total\{tool="fake_shell",outcome="ok"\} 1/);
    expect(text).toMatch(/parley_tool_calls_total\{tool="fake_shell",outcome="ok"\} 1/);
    expect(text).toMatch(/parley_llm_errors_total 1/);
    expect(text).toMatch(/parley_queue_depth 0/);
    client.close();
  });
});
