/**
 * Provider faults bench: a real Parley process (compiled, web channel only) against
 * two OpenAI-compatible doubles (a primary and a fallback) where 30 % of the
 * primary's answers go wrong the way real providers do: 503, 429, a hang before the
 * headers, a stall after the headers, a stall after text was shown, a stream cut
 * before text, a garbled event, a reset socket. Measures accept → reply (the ack of
 * a web message to its final reply) over `CONVERSATIONS` × `MESSAGES` messages,
 * `ACTIVE` conversations at a time, and how each reply ended: whole, cut off or
 * failed. The idle timeout and deadline are scaled down (2 s, 10 s) so the bench
 * runs in about a minute; the figure to check is p99 and max ≤ `deadlineMs`.
 * `BENCH_FAULT_RATE=0.3` sets the share of faulty answers; `BENCH_IDLE_MS` and
 * `BENCH_DEADLINE_MS` the two timeouts. `BENCH_BASELINE=1` writes
 * only the `llm` keys older Parleys know (no idle timeout, deadline or fallback), to
 * measure the code before them; a conversation whose reply takes longer than
 * `GIVE_UP_MS` is abandoned and its remaining messages count as never answered.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { percentile } from '../../cli/metrics.js';
import { type ScriptedReply, startOpenAIDouble } from '../doubles/openai.js';
import { spawnParley, tempDir } from '../harness.js';

const CONVERSATIONS = 40;
const MESSAGES = 8;
const ACTIVE = 20;
const IDLE_TIMEOUT_MS = Number(process.env.BENCH_IDLE_MS ?? 2000);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 10_000);
const FAULT_RATE = Number(process.env.BENCH_FAULT_RATE ?? 0.3);
const BASELINE = process.env.BENCH_BASELINE === '1';
const TOKEN = 'bench-token-0123456789abcdef';
const ANSWER = 'This answer arrives in a dozen small pieces over a short while, as models do.';
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));

/** The faults, equally likely among the faulty answers. */
const FAULTS: [string, ScriptedReply][] = [
  ['503', { status: 503 }],
  ['429', { status: 429 }],
  ['hang before headers', { hang: true }],
  ['stall after headers', { text: ANSWER, fault: 'stall' }],
  ['stall after text', { text: ANSWER, fault: 'stall', faultAfter: 4 }],
  ['cut before text', { text: ANSWER, fault: 'truncate' }],
  ['cut after text', { text: ANSWER, fault: 'truncate', faultAfter: 4 }],
  ['garbled event', { text: ANSWER, fault: 'garbage' }],
  ['socket reset', { text: ANSWER, fault: 'reset' }],
];

/** A small seeded generator, so every run draws the same faults. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

type Outcome = 'whole' | 'cut off' | 'failed' | 'other' | 'never';

/** A reply later than this is counted as never (and the conversation moves on). */
const GIVE_UP_MS = DEADLINE_MS * 3;

function outcomeOf(text: string): Outcome {
  if (text === ANSWER) return 'whole';
  if (text.endsWith('…(the answer was cut off)')) return 'cut off';
  if (text.includes('…(the answer failed') || /provider|try again/i.test(text)) return 'failed';
  return 'other';
}

async function conversation(url: string, id: number, latencies: number[], outcomes: Outcome[]) {
  const ws = new WebSocket(
    `${url.replace('http', 'ws')}/ws?client=fault${String(id).padStart(6, '0')}&token=${TOKEN}`,
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let acked: (() => void) | undefined;
  let replied: ((text: string) => void) | undefined;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; text?: string };
    if (frame.type === 'ack') acked?.();
    if (frame.type === 'message') replied?.(frame.text ?? '');
  });
  for (let i = 0; i < MESSAGES; i++) {
    let acceptedAt = 0;
    const ack = new Promise<void>((resolve) => {
      acked = () => {
        acceptedAt = performance.now();
        resolve();
      };
    });
    const reply = new Promise<string>((resolve) => {
      replied = resolve;
    });
    ws.send(JSON.stringify({ type: 'message', id: `m${i}`, text: `message ${i}` }));
    await ack;
    let timer: NodeJS.Timeout | undefined;
    const text = await Promise.race([
      reply,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), GIVE_UP_MS);
      }),
    ]);
    clearTimeout(timer);
    latencies.push(performance.now() - acceptedAt);
    outcomes.push(text === undefined ? 'never' : outcomeOf(text));
    if (text === undefined) {
      // The conversation's lane is held: later messages would only queue behind it.
      for (let rest = i + 1; rest < MESSAGES; rest++) outcomes.push('never');
      break;
    }
  }
  ws.close();
}

export default async function bench(): Promise<Record<string, unknown>> {
  const primary = await startOpenAIDouble();
  const fallback = await startOpenAIDouble();
  const draw = random(42);
  const injected: Record<string, number> = {};
  primary.fallback = () => {
    if (draw() >= FAULT_RATE) return { text: ANSWER, deltaDelayMs: 20 };
    const [name, reply] = FAULTS[Math.floor(draw() * FAULTS.length)]!;
    injected[name] = (injected[name] ?? 0) + 1;
    return { ...reply, deltaDelayMs: 20 };
  };
  fallback.fallback = () => ({ text: ANSWER, deltaDelayMs: 20 });
  const dir = tempDir('parley-bench-');
  const configPath = join(dir, 'parley.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${join(dir, 'data')}`,
      `web: { port: 0, token: ${TOKEN} }`,
      'logging: { level: error }',
      `llm: { baseUrl: "${primary.baseUrl}", apiKey: bench, model: primary, stream: true,`,
      `  maxRetries: 1, timeoutMs: ${DEADLINE_MS},`,
      BASELINE
        ? '}'
        : `  idleTimeoutMs: ${IDLE_TIMEOUT_MS}, deadlineMs: ${DEADLINE_MS}, fallbacks: [{ name: fallback, model: fallback, baseUrl: "${fallback.baseUrl}" }] }`,
      'queue: { concurrency: 32, capacity: 1000 }',
      'sandbox: { enabled: false }',
    ].join('\n'),
  );
  const { child, ready } = spawnParley(
    [entry],
    { PATH: process.env.PATH, PARLEY_CONFIG: configPath },
    'inherit',
  );
  const url = await ready;
  try {
    const latencies: number[] = [];
    const outcomes: Outcome[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: ACTIVE }, async () => {
        while (next < CONVERSATIONS) await conversation(url, next++, latencies, outcomes);
      }),
    );
    const count = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
    return {
      messages: outcomes.length,
      answered: outcomes.length - count('never'),
      baseline: BASELINE,
      faultRate: FAULT_RATE,
      faultsInjected: injected,
      primaryRequests: primary.requests.length,
      fallbackRequests: fallback.requests.length,
      replies: {
        whole: count('whole'),
        cutOff: count('cut off'),
        failed: count('failed'),
        other: count('other'),
        never: count('never'),
      },
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      deadlineMs: DEADLINE_MS,
      acceptToReplyMs: {
        p50: Math.round(percentile(latencies, 50) ?? 0),
        p99: Math.round(percentile(latencies, 99) ?? 0),
        max: Math.round(Math.max(...latencies)),
      },
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await primary.close();
    await fallback.close();
  }
}
