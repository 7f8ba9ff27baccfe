/**
 * Exactly once under random crashes: Parley is SIGKILLed at random moments (while
 * starting, while a slow channel logs in, mid-turn, mid-delivery) and restarted on
 * the same data folder, over and over, while web clients behave as the page does:
 * they reconnect whenever the connection drops, send unacknowledged messages again,
 * and ask for what they missed since the last sequence number they saw.
 *
 * Afterwards every message has exactly one answer, in order within its conversation.
 * The only messages answered with the apology are those whose turn really started
 * `queue.maxAttempts` times and was killed each time (the inbox counts started turns).
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { startTelegramDouble, TEST_TOKEN, type TelegramDouble } from '../doubles/telegram.js';
import { sleep, spawnParley, tempDir, writeTestConfigFile } from '../harness.js';

const TOKEN = 'chaos-test-token-0123456789';
const CONVERSATIONS = 6;
const PER_CONVERSATION = Number(process.env.CHAOS_PER ?? 50);
const KILLS = Number(process.env.CHAOS_KILLS ?? 22);
const MAX_ATTEMPTS = 3; // queue.maxAttempts default

/** A client that behaves like the web chat page across restarts. */
class PageClient {
  readonly replies: string[] = [];
  private readonly unacked = new Map<string, string>();
  private next = 0;
  private lastSeq = 0;
  private ws: WebSocket | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly url: string,
  ) {}

  get done(): boolean {
    return this.next === PER_CONVERSATION && this.unacked.size === 0;
  }

  /** Connects, and again 150 ms after every drop, until closed. */
  connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(
      `${this.url}/ws?client=${this.id}&since=${this.lastSeq}&token=${TOKEN}`,
    );
    this.ws = ws;
    ws.on('open', () => {
      for (const [id, text] of this.unacked) this.frame(id, text);
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as {
        type: string;
        id?: string;
        seq?: number;
        text?: string;
      };
      if (frame.type === 'ack' && frame.id) this.unacked.delete(frame.id);
      if (frame.type === 'message' && frame.seq !== undefined && frame.seq > this.lastSeq) {
        this.lastSeq = frame.seq;
        this.replies.push(frame.text ?? '');
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => setTimeout(() => this.connect(), 150));
  }

  /** Types the next message when fewer than three wait for their ack. */
  tick(): void {
    if (this.ws?.readyState !== WebSocket.OPEN || this.next >= PER_CONVERSATION) return;
    if (this.unacked.size >= 3) return;
    const id = `m${this.next}`;
    const text = `${this.id}-q${this.next++}`;
    this.unacked.set(id, text);
    this.frame(id, text);
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  private frame(id: string, text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify({ type: 'message', id, text }));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

const children: ChildProcess[] = [];
let llm: OpenAIDouble | undefined;
let tg: TelegramDouble | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await llm?.close();
  await tg?.close();
});

describe('exactly once under random SIGKILLs', () => {
  it(`answers ${CONVERSATIONS * PER_CONVERSATION} messages exactly once, in order, through ${KILLS} kills`, async () => {
    llm = await startOpenAIDouble();
    llm.fallback = (request) => {
      const user = [...request.body.messages].reverse().find((m) => m.role === 'user');
      const delayMs = 20 + Math.floor(Math.random() * 80);
      return { text: `echo: ${String(user?.content)}`, delayMs };
    };
    tg = await startTelegramDouble();
    tg.delays.set('getMe', 800); // a channel slow to log in: web messages arrive meanwhile
    const dir = tempDir();
    const port = await freePort();
    const config = writeTestConfigFile(dir, {
      web: `{ port: ${port}, token: ${TOKEN} }`,
      extra: [
        `llm: { baseUrl: "${llm.baseUrl}", apiKey: sk-chaos, maxRetries: 0 }`,
        `channels: { telegram: { enabled: true, token: "${TEST_TOKEN}", apiRoot: "${tg.apiRoot}" } }`,
      ],
    });
    const clients = Array.from(
      { length: CONVERSATIONS },
      (_, i) => new PageClient(`chaos-client-${i}`, `ws://127.0.0.1:${port}`),
    );
    for (const client of clients) client.connect();
    const typing = setInterval(() => {
      for (const client of clients) client.tick();
    }, 15);
    const start = () => {
      const { child, ready } = spawnParley(['--import', 'tsx', 'cli/parley.ts'], {
        PATH: process.env.PATH,
        PARLEY_CONFIG: config,
      });
      ready.catch(() => {}); // a kill before ready is the point
      children.push(child);
      return { child, ready };
    };
    let killedBeforeReady = 0;
    try {
      // How long a start takes on this machine sets the range of the kill moments.
      const began = Date.now();
      const first = start();
      await first.ready;
      const readyMs = Date.now() - began;
      await sleep(500);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      for (let kill = 1; kill < KILLS; kill++) {
        const { child, ready } = start();
        // Anywhere from while it loads (before the web server listens), through the
        // slow Telegram login, to well into serving.
        let isReady = false;
        ready.then(
          () => {
            isReady = true;
          },
          () => {}, // killed before ready: expected
        );
        await sleep(200 + Math.floor(Math.random() * (readyMs + 1500)));
        if (!isReady) killedBeforeReady++;
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await start().ready;
      const deadline = Date.now() + 60_000;
      const answered = () => clients.every((c) => c.done && c.replies.length >= PER_CONVERSATION);
      while (!answered() && Date.now() < deadline) await sleep(100);
      await sleep(500); // anything still on its way (a duplicate) arrives now
    } finally {
      clearInterval(typing);
      for (const client of clients) client.close();
    }

    // The rows answered with the apology, and how many turns each started.
    const db = new Database(join(dir, 'data', 'parley.db'), { readonly: true });
    const rows = db.prepare('SELECT payload, attempts, reply FROM inbox').all() as {
      payload: string;
      attempts: number;
      reply: string | null;
    }[];
    db.close();
    const apologised = rows.filter((row) => row.reply?.includes('Sorry, I could not process'));
    const apologisedTexts = new Set(
      apologised.map((row) => (JSON.parse(row.payload) as { text: string }).text),
    );

    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let apologies = 0;
    for (const client of clients) {
      const seen = new Map<number, number>();
      let last = -1;
      for (const reply of client.replies) {
        const n = Number(new RegExp(`${client.id}-q(\\d+)$`).exec(reply)?.[1] ?? Number.NaN);
        if (Number.isNaN(n)) {
          if (/sorry/i.test(reply)) apologies++;
          continue;
        }
        seen.set(n, (seen.get(n) ?? 0) + 1);
        if (n < last) outOfOrder++;
        last = Math.max(last, n);
      }
      for (let n = 0; n < PER_CONVERSATION; n++) {
        const count = seen.get(n) ?? 0;
        if (count === 0 && !apologisedTexts.has(`${client.id}-q${n}`)) lost++;
        if (count > 1) duplicated += count - 1;
      }
    }
    const figures = {
      messages: CONVERSATIONS * PER_CONVERSATION,
      kills: KILLS,
      killedBeforeReady,
      lost,
      duplicated,
      outOfOrder,
      apologies,
      apologisedAfterMaxAttempts: apologised.filter((row) => row.attempts >= MAX_ATTEMPTS).length,
      apologisedEarlier: apologised.filter((row) => row.attempts < MAX_ATTEMPTS).length,
    };
    console.log(`chaos: ${JSON.stringify(figures)}`);
    expect(figures).toEqual({
      ...figures,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      apologies: apologised.length,
      apologisedEarlier: 0,
    });
  }, 420_000);
});
