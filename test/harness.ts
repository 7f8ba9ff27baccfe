/**
 * Test harness: a real Parley (createApp) on a temp SQLite file and a free
 * loopback port, plus a web chat client speaking the real WebSocket protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { type App, type AppOptions, createApp } from '../cli/app.js';
import { validate } from '../cli/config/load.js';
import type { ParleyConfig } from '../cli/config/schema.js';
import type { ChannelAdapter } from '../core/contract.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function tempDir(prefix = 'parley-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function merge(
  base: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object'
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** A validated config for tests: temp data dir, random port, quiet logs, fast retries. */
/**
 * Writes a `parley.yaml` for a spawned `parley start` into `dir`: data inside it,
 * web chat on a free port, quiet logs, no sandbox, plus `extra` YAML lines.
 * Returns the file's path.
 */
export function writeTestConfigFile(
  dir: string,
  { web = '{ port: 0 }', extra = [] }: { web?: string; extra?: string[] } = {},
): string {
  const path = join(dir, 'parley.yaml');
  const lines = [`dataDir: ${join(dir, 'data')}`, `web: ${web}`, 'logging: { level: warn }'];
  writeFileSync(path, [...lines, ...extra, 'sandbox: { enabled: false }'].join('\n'));
  return path;
}

export function testConfig(overrides: Record<string, unknown> = {}): ParleyConfig {
  const base = {
    dataDir: tempDir(),
    web: { port: 0, host: '127.0.0.1', token: 'test-token-0123456789abcdef' },
    terminal: { enabled: 'off' },
    logging: { level: 'silent' },
    llm: { maxRetries: 2, timeoutMs: 5000, model: 'test-model' },
    sandbox: { enabled: false },
  };
  return validate(merge(base, overrides));
}

export interface Running {
  app: App;
  close(): Promise<void>;
}

/**
 * Runs `parley start` as its own process, `nodeArgs` naming the entry (e.g.
 * `['--import', 'tsx', 'cli/parley.ts']`) with any Node flags before it. `ready`
 * resolves with the web chat URL once Parley prints it, and rejects if it exits first.
 */
export function spawnParley(
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
  stderr: 'pipe' | 'inherit' = 'pipe',
): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [...nodeArgs, 'start'], {
    env,
    stdio: ['ignore', 'pipe', stderr],
  });
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const url = /Web chat: (https?:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`parley exited early (${code}): ${out}`)));
  });
  return { child, ready };
}

/** Starts Parley in-process, with extra channels (e.g. a TestChannel) if given. */
export async function startParley(
  config: ParleyConfig,
  extra: { channels?: ChannelAdapter[]; options?: Omit<AppOptions, 'log'> } = {},
): Promise<Running> {
  const app = await createApp(config, {
    ...extra.options,
    log: pino({ level: config.logging.level }),
  });
  app.channels.push(...(extra.channels ?? []));
  await app.start();
  return { app, close: () => app.stop() };
}

export interface WebFrame {
  type: string;
  id?: string;
  seq?: number;
  text?: string;
  replyId?: string;
  duplicate?: boolean;
  buttons?: { label: string; data: string }[];
  error?: string;
}

/** A web chat client: connects, sends messages, and collects frames. */
export class WebClient {
  readonly frames: WebFrame[] = [];
  private ws: WebSocket | undefined;
  private waiters: (() => void)[] = [];
  private counter = 0;

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly clientId = `client${Math.random().toString(16).slice(2, 12)}`,
  ) {}

  async connect(since = 0): Promise<this> {
    const wsUrl = `${this.url.replace('http', 'ws')}/ws?client=${this.clientId}&since=${since}&token=${encodeURIComponent(this.token)}`;
    const ws = new WebSocket(wsUrl);
    this.ws = ws;
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as WebFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return this;
  }

  /** Sends a text message and waits for its ack. */
  async send(text: string, id = `m${++this.counter}`): Promise<WebFrame> {
    const start = this.frames.length;
    this.ws!.send(JSON.stringify({ type: 'message', id, text }));
    return this.waitFor((f) => f.type === 'ack' && f.id === id, 10_000, start);
  }

  async press(data: string): Promise<WebFrame> {
    const id = `a${++this.counter}`;
    this.ws!.send(JSON.stringify({ type: 'action', id, data }));
    return this.waitFor((f) => f.type === 'ack' && f.id === id);
  }

  messages(): WebFrame[] {
    return this.frames.filter((f) => f.type === 'message');
  }

  /** Waits until `count` final messages have arrived. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<WebFrame[]> {
    await this.until(() => this.messages().length >= count, timeoutMs);
    return this.messages();
  }

  async waitFor(
    match: (frame: WebFrame) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<WebFrame> {
    const find = () => this.frames.slice(from).find(match);
    await this.until(() => find() !== undefined, timeoutMs);
    return find()!;
  }

  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws?.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
