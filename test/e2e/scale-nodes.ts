/**
 * Shared set-up of the scale-out end-to-end tests (scale.test.ts over Telegram,
 * scale-discord.test.ts over Discord): Parley nodes as real child processes
 * (`parley start --role …`) on one Postgres, random SIGKILLs of workers, and the
 * count of what a platform double received per conversation (lost, duplicated, out
 * of order, and duplicates no kill explains).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAIDouble } from '../doubles/openai.js';

export const WEB_TOKEN = 'scale-test-token-0123456789';

export interface Node {
  id: string;
  /** The node's web chat / admin URL. */
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

const children: ChildProcess[] = [];

/** Ends every node a test started (call from `afterEach`). */
export function killNodes(): void {
  for (const child of children.splice(0)) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
}

/** Writes the config every node of one test shares; `channel` is the `channels:` entry. */
export function writeConfig(
  dir: string,
  llm: OpenAIDouble,
  channel: string,
  leaseSeconds: number,
  stream = false,
): string {
  const path = join(dir, 'parley.yaml');
  writeFileSync(
    path,
    [
      `dataDir: ${join(dir, 'data')}`,
      `web: { port: 0, token: ${WEB_TOKEN} }`,
      'logging: { level: warn }',
      'terminal: { enabled: "off" }',
      'sandbox: { enabled: false }',
      `llm: { baseUrl: "${llm.baseUrl}", apiKey: sk-scale-test, maxRetries: 0, stream: ${stream} }`,
      'access: { dmPolicy: open }',
      `channels: { ${channel} }`,
      `storage: { driver: postgres, leaseSeconds: ${leaseSeconds} }`,
      'queue: { concurrency: 8 }',
    ].join('\n'),
  );
  return path;
}

/** Spawns `parley start --role <role>`; resolves once its HTTP server listens. */
export async function startNode(
  config: string,
  url: string,
  id: string,
  role: string,
): Promise<Node> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/parley.ts', 'start', '--role', role],
    {
      env: {
        PATH: process.env.PATH,
        PARLEY_CONFIG: config,
        PARLEY_DATABASE_URL: url,
        PARLEY_NODE_ID: id,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (data: Buffer) => {
    err += data.toString();
  });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const found = /Web chat: (http:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) =>
      reject(new Error(`node ${id} exited early (${code}): ${out}${err}`)),
    );
  });
  return { id, url: address, child, stderr: () => err };
}

export async function kill(node: Node): Promise<void> {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGKILL');
  await exited;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Chaos {
  /** When each SIGKILL was sent (ms since epoch). */
  killTimes: number[];
  /** Every worker process started, the restarted ones included. */
  everyWorker: Node[];
  /** Stops killing; resolves once the last restart is done. */
  stop(): Promise<void>;
}

/** Every 0.5–2 s one random worker is SIGKILLed and started again under its id. */
export function chaos(workers: Node[], config: string, url: string): Chaos {
  const killTimes: number[] = [];
  const everyWorker = [...workers];
  let done = false;
  const loop = (async () => {
    while (!done) {
      await sleep(500 + Math.random() * 1500);
      if (done) break;
      const index = Math.floor(Math.random() * workers.length);
      killTimes.push(Date.now());
      await kill(workers[index]!);
      workers[index] = await startNode(config, url, `w${index + 1}`, 'worker');
      everyWorker.push(workers[index]!);
    }
  })();
  return {
    killTimes,
    everyWorker,
    stop: async () => {
      done = true;
      await loop;
    },
  };
}

export interface Counts {
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Duplicates whose first copy was sent within a kill's or a lease loss's window: bugs. */
  unexplained: number;
}

/** When pieces may have gone out without the inbox recording them. */
export interface Windows {
  /** When each SIGKILL was sent (ms since epoch). */
  kills: number[];
  /** When a worker logged that it lost a lane lease while running a row. */
  leaseLosses: number[];
}

/** Whether a piece first sent at `first` went out in one of the windows the design allows. */
function explained(first: number, { kills, leaseLosses }: Windows): boolean {
  // The kill is stamped just before the signal; the double may log the send a few ms later.
  if (kills.some((k) => k - first >= -250 && k - first <= 1000)) return true;
  // A starved worker whose lease ran out during the send notices at its next write.
  return leaseLosses.some((l) => l - first >= -250 && l - first <= 5000);
}

/**
 * Counts what conversation `chat` received (`sent`, in arrival order) against the
 * texts it should have received once each, in order. A duplicate the design allows
 * on a platform without an idempotency key is a piece whose first copy went out just
 * before a worker was SIGKILLed or lost its lease (after the platform accepted it,
 * before the inbox recorded it; docs/scale-out.md): any other is logged and counted.
 */
export function countChat(
  chat: number,
  sent: { text: string; at: number }[],
  want: string[],
  windows: Windows,
): Counts {
  const texts = sent.map((m) => m.text);
  let unexplained = 0;
  for (const [i, m] of sent.entries()) {
    if (texts.indexOf(m.text) === i) continue;
    const first = sent[texts.indexOf(m.text)]!.at;
    if (explained(first, windows)) continue;
    unexplained++;
    const kills = windows.kills.map((k) => k - first);
    console.log(JSON.stringify({ chat, text: m.text, first, again: m.at, kills }));
  }
  const firsts = want.map((t) => texts.indexOf(t)).filter((i) => i >= 0);
  return {
    lost: want.filter((t) => !texts.includes(t)).length,
    duplicated: texts.length - new Set(texts).size,
    outOfOrder: firsts.filter((at, i) => i > 0 && at < firsts[i - 1]!).length,
    unexplained,
  };
}

/** Sums {@link countChat} over conversations 1…`chats`. */
export function countAll(
  chats: number,
  sentTo: (chat: number) => { text: string; at: number }[],
  want: (chat: number) => string[],
  windows: Windows,
): Counts {
  const total: Counts = { lost: 0, duplicated: 0, outOfOrder: 0, unexplained: 0 };
  for (let chat = 1; chat <= chats; chat++) {
    const counts = countChat(chat, sentTo(chat), want(chat), windows);
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts[key];
  }
  return total;
}

/** When the workers logged that they lost a lane lease (their JSON log lines' `time`). */
export function leaseLosses(workers: Node[]): number[] {
  return workers.flatMap((w) =>
    w
      .stderr()
      .split('\n')
      .filter((line) => line.includes('lane lease lost'))
      .flatMap((line) => {
        try {
          return [(JSON.parse(line) as { time: number }).time];
        } catch {
          return [];
        }
      }),
  );
}
