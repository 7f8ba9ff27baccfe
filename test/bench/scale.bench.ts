/**
 * Scale-out benchmark (docs/scale-out.md): the core bench's web load (closed-loop web
 * chat conversations over real WebSockets, the instant loopback LLM) against
 *
 *   - one node on SQLite (the default),
 *   - Postgres: a gateway node holding the sockets plus 1, 2 and 4 worker nodes
 *     (`--role worker`); replies reach the gateway's sockets over LISTEN/NOTIFY,
 *
 * printing messages/s, p50/p99 latency (sent → final reply) and Parley CPU per
 * message (all Parley processes; the Postgres server's own CPU is not counted),
 * plus the failover time of a channel connection: two `--role all` nodes with
 * Telegram long polling (the Telegram double), then with the Discord gateway (the
 * Discord double), the holder SIGKILLed, time until the other node holds the lease
 * and answers. The core count and the load average are printed with the figures. Uses `PARLEY_TEST_POSTGRES_URL`, or starts
 * a throwaway cluster with `.ci/postgres.sh`. `BENCH_SCALE_WORKERS=1,2` picks the
 * worker counts; the machine's core count is printed, since scaling needs free cores.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fixture, ids, messagePayload } from '../../channels/discord/fixtures/index.js';
import { percentile } from '../../cli/metrics.js';
import { startDiscordDouble } from '../doubles/discord.js';
import { TEST_TOKEN, TelegramDouble } from '../doubles/telegram.js';
import { tempDir } from '../harness.js';
import { startInstantLlm } from './instant-llm.js';
import { cpuSample } from './process-stats.js';
import { BENCH_TOKEN as TOKEN, webConversation } from './web-client.js';

const CONVERSATIONS = 200;
const MESSAGES = 10;
const ACTIVE = 16;
const WORKERS = (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number);
const entry = fileURLToPath(new URL('../../cli/parley.js', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));

const cpuMs = (pid: number) => cpuSample(pid).totalMs;

interface Node {
  child: ChildProcess;
  url: string;
}

function startNode(config: string, env: Record<string, string>, role: string): Promise<Node> {
  const child = spawn(process.execPath, [entry, 'start', '--role', role], {
    env: { PATH: process.env.PATH, PARLEY_CONFIG: config, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const url = /Web chat: (http:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`parley exited early (${code}): ${out}`)));
  });
}

async function stopAll(nodes: Node[]): Promise<void> {
  await Promise.all(
    nodes.map(
      (node) =>
        new Promise((resolve) => {
          if (node.child.exitCode !== null || node.child.signalCode !== null)
            return resolve(undefined);
          node.child.once('exit', resolve);
          node.child.kill('SIGTERM');
        }),
    ),
  );
}

/** One pass of the web load against `url`, CPU summed over `pids`. */
async function load(url: string, pids: number[], prefix: string, conversations = CONVERSATIONS) {
  const latencies: number[] = [];
  let next = 0;
  let wrongReplies = 0;
  const cpu = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = cpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ACTIVE }, async () => {
      while (next < conversations)
        wrongReplies += await webConversation(
          url,
          `${prefix}${String(next++).padStart(8, '0')}`,
          MESSAGES,
          latencies,
        );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    messages: latencies.length,
    wrongReplies,
    messagesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: {
      p50: +(percentile(latencies, 50) ?? 0).toFixed(2),
      p99: +(percentile(latencies, 99) ?? 0).toFixed(2),
    },
    parleyCpuMsPerMessage: +((cpu() - cpuBefore) / latencies.length).toFixed(3),
  };
}

function writeConfig(dir: string, lines: string[]): string {
  const path = join(dir, 'parley.yaml');
  writeFileSync(
    path,
    [
      `dataDir: ${join(dir, 'data')}`,
      `web: { port: 0, token: ${TOKEN} }`,
      'logging: { level: warn }',
      'terminal: { enabled: "off" }',
      'queue: { concurrency: 32, capacity: 1000 }',
      'sandbox: { enabled: false }',
      ...lines,
    ].join('\n'),
  );
  return path;
}

async function freshSchema(url: string): Promise<string> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** The URL of a Postgres to use, and how to stop it if this bench started it. */
function postgres(): { url: string; stop: () => void } {
  const given = process.env.PARLEY_TEST_POSTGRES_URL;
  if (given) return { url: given, stop: () => {} };
  const out = execFileSync('bash', [join(repo, '.ci/postgres.sh'), 'start'], { encoding: 'utf8' });
  const url = /PARLEY_TEST_POSTGRES_URL=(\S+)/.exec(out)![1]!;
  const dir = /PARLEY_TEST_POSTGRES_DIR=(\S+)/.exec(out)![1]!;
  return { url, stop: () => execFileSync('bash', [join(repo, '.ci/postgres.sh'), 'stop', dir]) };
}

async function sqliteNode(llmUrl: string) {
  const config = writeConfig(tempDir('parley-bench-'), [
    `llm: { baseUrl: "${llmUrl}", apiKey: bench, stream: true }`,
  ]);
  const node = await startNode(config, {}, 'all');
  try {
    await load(node.url, [node.child.pid!], 'warm', 20);
    return await load(node.url, [node.child.pid!], 'sqlite');
  } finally {
    await stopAll([node]);
  }
}

async function postgresNodes(llmUrl: string, baseUrl: string, workers: number) {
  const url = await freshSchema(baseUrl);
  const config = writeConfig(tempDir('parley-bench-'), [
    `llm: { baseUrl: "${llmUrl}", apiKey: bench, stream: true }`,
    'storage: { driver: postgres }',
  ]);
  const env = (id: string) => ({ PARLEY_DATABASE_URL: url, PARLEY_NODE_ID: id });
  const gateway = await startNode(config, env('gateway'), 'gateway');
  const nodes = [gateway];
  try {
    for (let i = 1; i <= workers; i++) nodes.push(await startNode(config, env(`w${i}`), 'worker'));
    const pids = nodes.map((n) => n.child.pid!);
    await load(gateway.url, pids, 'warm', 20);
    return { workers, ...(await load(gateway.url, pids, `pg${workers}-`)) };
  } finally {
    await stopAll(nodes);
  }
}

/** A channel whose connection moves between nodes, as the failover bench drives it. */
interface Exclusive {
  name: string;
  /** The `channels:` entry of the config. */
  config: string;
  /** A user writes to the bot. */
  say(text: string): void;
  /** How many replies the bot sent. */
  replies(): number;
  close(): Promise<void>;
}

async function telegramChannel(): Promise<Exclusive> {
  const telegram = new TelegramDouble(TEST_TOKEN);
  await telegram.listen();
  return {
    name: 'telegram',
    config: `telegram: { enabled: true, token: "${TEST_TOKEN}", apiRoot: "${telegram.apiRoot}", pollingTimeoutSeconds: 1 }`,
    say: (text) => telegram.message({ chatId: 9, from: { id: 9, first_name: 'Bench' }, text }),
    replies: () => telegram.chat(9).length,
    close: () => telegram.close(),
  };
}

async function discordChannel(): Promise<Exclusive> {
  const discord = await startDiscordDouble({
    ready: fixture('ready'),
    guilds: [fixture('guild-create')],
  });
  return {
    name: 'discord',
    config: `discord: { enabled: true, token: bench-bot-token, apiRoot: "${discord.apiRoot}", streaming: none, registerCommands: false }`,
    say: (text) => discord.dispatch('MESSAGE_CREATE', messagePayload('dm', text)),
    replies: () => discord.messages.filter((m) => m.channelId === ids.dmChannel).length,
    close: () => discord.close(),
  };
}

/**
 * Two `--role all` nodes with one exclusive channel; the connection holder is
 * SIGKILLed. Telegram keeps updates until they are confirmed, so a message sent right
 * after the kill is answered by the new holder; Discord delivers gateway events only
 * to a live session, so the message is sent once the new node holds the lease.
 */
async function failover(llmUrl: string, baseUrl: string, channel: Exclusive) {
  const url = await freshSchema(baseUrl);
  const config = writeConfig(tempDir('parley-bench-'), [
    `llm: { baseUrl: "${llmUrl}", apiKey: bench, stream: false }`,
    'storage: { driver: postgres }',
    'access: { dmPolicy: open }',
    `channels: { ${channel.config} }`,
  ]);
  const env = (id: string) => ({ PARLEY_DATABASE_URL: url, PARLEY_NODE_ID: id });
  const nodes = [
    await startNode(config, env('a'), 'all'),
    await startNode(config, env('b'), 'all'),
  ];
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const holder = async () =>
    (
      await db.query(`SELECT node_id FROM named_leases WHERE name = $1`, [
        `channel:${channel.name}`,
      ])
    ).rows[0]?.node_id as string | undefined;
  const wait = async (done: () => boolean | Promise<boolean>) => {
    while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  try {
    await wait(async () => (await holder()) !== undefined);
    const first = (await holder())!;
    const victim = nodes[first === 'a' ? 0 : 1]!;
    const killed = performance.now();
    victim.child.kill('SIGKILL');
    const queued = channel.name === 'telegram';
    if (queued) channel.say('after the kill');
    await wait(async () => (await holder()) !== undefined && (await holder()) !== first);
    const leaseMovedMs = performance.now() - killed;
    if (!queued) {
      // The lease moved; the gateway session follows (login, READY).
      const before = channel.replies();
      await wait(async () => {
        channel.say('after the kill');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return channel.replies() > before;
      });
    } else await wait(() => channel.replies() > 0);
    return {
      leaseSeconds: 5,
      leaseMovedMs: Math.round(leaseMovedMs),
      answeredAfterKillMs: Math.round(performance.now() - killed),
      target: '<= 10000 ms',
    };
  } finally {
    await db.end();
    await stopAll(nodes);
    await channel.close();
  }
}

export default async function bench(): Promise<Record<string, unknown>> {
  const llm = await startInstantLlm();
  const pg = postgres();
  try {
    const progress = (line: string) => process.stderr.write(`scale: ${line}\n`);
    const sqlite = await sqliteNode(llm.baseUrl);
    progress(`sqlite ${JSON.stringify(sqlite)}`);
    const postgresRuns = [];
    for (const workers of WORKERS) {
      postgresRuns.push(await postgresNodes(llm.baseUrl, pg.url, workers));
      progress(`postgres ${JSON.stringify(postgresRuns.at(-1))}`);
    }
    const one = postgresRuns.find((r) => r.workers === 1);
    const two = postgresRuns.find((r) => r.workers === 2);
    return {
      cores: availableParallelism(),
      conversations: CONVERSATIONS,
      messagesPerConversation: MESSAGES,
      concurrentConversations: ACTIVE,
      sqliteSingleNode: sqlite,
      postgres: postgresRuns,
      twoWorkersOverOne:
        one && two ? +(two.messagesPerSecond / one.messagesPerSecond).toFixed(2) : undefined,
      postgresCpuOverSqlite: one
        ? +(one.parleyCpuMsPerMessage / sqlite.parleyCpuMsPerMessage).toFixed(2)
        : undefined,
      loadAverage: loadavg().map((n) => +n.toFixed(1)),
      failover: {
        telegram: await failover(llm.baseUrl, pg.url, await telegramChannel()),
        discord: await failover(llm.baseUrl, pg.url, await discordChannel()),
      },
      targets: {
        twoWorkersOverOne: '>= 1.7 with >= 4 free cores',
        postgresCpuOverSqlite: '<= 2 (one worker + gateway vs one SQLite node)',
        failover: '<= 10000 ms',
      },
    };
  } finally {
    await llm.close();
    pg.stop();
  }
}
