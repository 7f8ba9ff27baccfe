/**
 * Core benchmark: a real Parley process (compiled, web channel only) against an
 * instant loopback LLM. Measures start-to-ready, idle RSS (after 12 s without work,
 * once V8 has returned memory), then 1,000 web
 * conversations × 10 messages driven over real WebSockets by a closed loop of
 * concurrent conversations; latency is message sent → final reply received.
 * `BENCH_NODE_FLAGS` passes V8 flags to the Parley process (e.g. `--max-semi-space-size=2`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../cli/metrics.js';
import { startOpenAIDouble } from '../doubles/openai.js';
import { tempDir, WebClient } from '../harness.js';

const CONVERSATIONS = 1000;
const MESSAGES = 10;
const ACTIVE = 16;
const TOKEN = 'bench-token-0123456789abcdef';
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function startParley(
  configPath: string,
): Promise<{ child: ChildProcess; url: string; readyMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, entry, 'start'], {
    env: { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const url = /Web chat: (http:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (url) resolve({ child, url, readyMs: performance.now() - started });
    });
    child.once('exit', (code) => reject(new Error(`parley exited (${code}): ${out}`)));
  });
}

async function conversation(url: string, latencies: number[]): Promise<void> {
  const client = await new WebClient(url, TOKEN).connect();
  for (let i = 0; i < MESSAGES; i++) {
    const sent = performance.now();
    await client.send(`message ${i}`);
    await client.waitForMessages(i + 1, 30_000);
    latencies.push(performance.now() - sent);
  }
  client.close();
}

export default async function bench(): Promise<Record<string, unknown>> {
  const llm = await startOpenAIDouble();
  const dir = tempDir('parley-bench-');
  const configPath = join(dir, 'parley.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${join(dir, 'data')}`,
      `web: { port: 0, token: ${TOKEN} }`,
      'logging: { level: warn }',
      `llm: { baseUrl: "${llm.baseUrl}", apiKey: bench, stream: true }`,
      'queue: { concurrency: 32, capacity: 1000 }',
      'sandbox: { enabled: false }',
    ].join('\n'),
  );
  const { child, url, readyMs } = await startParley(configPath);
  try {
    // V8 gives memory back after ~10 s without work: idle RSS is read after 12 s idle.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter1sMb = rssMb(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const idleRssMb = rssMb(child.pid!);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: ACTIVE }, async () => {
        while (next < CONVERSATIONS) {
          next++;
          await conversation(url, latencies);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const loadedRssMb = rssMb(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const idleAfterLoadRssMb = rssMb(child.pid!);
    return {
      messages: latencies.length,
      conversations: CONVERSATIONS,
      concurrentConversations: ACTIVE,
      messagesPerSecond: Math.round(latencies.length / seconds),
      latencyMs: {
        p50: +(percentile(latencies, 50) ?? 0).toFixed(2),
        p99: +(percentile(latencies, 99) ?? 0).toFixed(2),
      },
      idleRssMb: +idleRssMb.toFixed(1),
      rssOneSecondAfterReadyMb: +rssAfter1sMb.toFixed(1),
      loadedRssMb: +loadedRssMb.toFixed(1),
      idleAfterLoadRssMb: +idleAfterLoadRssMb.toFixed(1),
      startToReadyMs: Math.round(readyMs),
      targets: {
        messagesPerSecond: '>= 1000',
        p99: '<= 20 ms',
        idleRssMb: '<= 80',
        startToReadyMs: '<= 1000',
      },
    };
  } finally {
    child.kill('SIGTERM');
    await llm.close();
  }
}
