/**
 * `parley doctor`: checks everything Parley needs before (or while) it runs, and
 * says how to fix each failure:
 *
 *   config valid ─► data folder writable ─► Docker engine + sandbox image
 *   ─► AI provider (one tiny completion; 401 = bad API key)
 *   ─► each enabled channel's credentials (Telegram getMe, Slack auth.test,
 *      Discord GET /users/@me, WhatsApp paired)
 *
 * Exits non-zero when a check fails. Docker, the model and `fetch` are injectable
 * so tests point them at doubles (or at a socket that does not exist).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { pingProvider } from '../admin/provider.js';
import { type ChatModel, missingProvider, OpenAIChatModel } from '../agent/llm.js';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import { Redactor } from '../tools/redact.js';
import { configSecrets } from './app.js';
import type { ParleyConfig } from './config/schema.js';

export interface CheckResult {
  name: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  /** Builds the Docker client (default: dockerode on `sandbox.socketPath`). */
  docker?: (config: ParleyConfig) => Docker;
  /** The model to ping (default: the configured OpenAI-compatible provider). */
  model?: ChatModel;
  fetch?: typeof fetch;
  /** Progress and results (default: stdout). */
  out?: (line: string) => void;
  timeoutMs?: number;
}

type Check = (
  config: ParleyConfig,
  options: Required<Omit<DoctorOptions, 'model'>> & DoctorOptions,
) => Promise<CheckResult[]>;

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});
const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const checkDataDir: Check = async (config) => {
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    await openSqliteStores(join(config.dataDir, 'parley.db')).close();
    return [ok('data folder', `${config.dataDir} is writable, parley.db opens`)];
  } catch (error) {
    return [
      fail(
        'data folder',
        `${config.dataDir}: ${(error as Error).message}`,
        'Make the folder writable by this user or set PARLEY_DATA_DIR (dataDir) to one that is.',
      ),
    ];
  }
};

const checkDocker: Check = async (config, options) => {
  if (!config.sandbox.enabled)
    return [skip('docker', 'sandbox.enabled is false: no sandboxed tools')];
  const where =
    config.sandbox.socketPath ?? 'the default socket (/var/run/docker.sock or DOCKER_HOST)';
  const docker = options.docker(config);
  try {
    await withTimeout(docker.ping(), options.timeoutMs, 'Docker');
  } catch (error) {
    return [
      fail(
        'docker',
        `Docker engine not reachable at ${where}: ${(error as Error).message}`,
        'Install and start Docker (e.g. `apt-get install docker.io && systemctl start docker`), let this user use the socket (docker group), set sandbox.socketPath, or set sandbox.enabled: false to run without sandboxed tools.',
      ),
    ];
  }
  const image = config.sandbox.image;
  try {
    await withTimeout(docker.getImage(image).inspect(), options.timeoutMs, 'Docker');
    return [
      ok('docker', `engine reachable at ${where}`),
      ok('sandbox image', `${image} is present`),
    ];
  } catch (error) {
    return [
      ok('docker', `engine reachable at ${where}`),
      fail(
        'sandbox image',
        `${image} is not present: ${(error as Error).message}`,
        `Run \`docker pull ${image}\` (or build it), or set sandbox.image to an image you have.`,
      ),
    ];
  }
};

const checkProvider: Check = async (config, options) => {
  const missing = missingProvider(config.llm);
  if (missing && !options.model) return [fail('provider', 'no AI provider configured', missing)];
  const model =
    options.model ??
    new OpenAIChatModel({
      ...config.llm,
      maxRetries: 0,
      timeoutMs: Math.min(config.llm.timeoutMs, options.timeoutMs),
    });
  const result = await pingProvider(model, missing, options.timeoutMs);
  const where = config.llm.baseUrl ?? 'https://api.openai.com/v1';
  if (result.ok)
    return [ok('provider', `${model.name} at ${where} answered in ${result.latencyMs} ms`)];
  return [fail('provider', `${model.name} at ${where}: ${result.error}`, result.fix ?? '')];
};

interface Probe {
  name: string;
  url: string;
  headers: Record<string, string>;
  method?: string;
  /** Reads the body: the account name on success, or throws the platform's complaint. */
  read: (status: number, body: Record<string, unknown>) => string;
  fix: string;
}

function channelProbes(config: ParleyConfig): (Probe | CheckResult)[] {
  const probes: (Probe | CheckResult)[] = [];
  const { telegram, slack, discord, whatsapp } = config.channels;
  if (telegram?.enabled) {
    if (!telegram.token)
      probes.push(
        fail(
          'telegram',
          'no bot token',
          'Set TELEGRAM_BOT_TOKEN (channels.telegram.token) to the token @BotFather gave you.',
        ),
      );
    else
      probes.push({
        name: 'telegram',
        url: `${(telegram.apiRoot ?? 'https://api.telegram.org').replace(/\/$/, '')}/bot${telegram.token}/getMe`,
        headers: {},
        read: (status, body) => {
          if (status !== 200 || body.ok !== true)
            throw new Error(`getMe: HTTP ${status} ${String(body.description ?? '')}`);
          return `bot @${String((body.result as { username?: string })?.username)}`;
        },
        fix: 'The token was refused: copy it again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN.',
      });
  }
  if (slack?.enabled) {
    if (!slack.botToken)
      probes.push(
        fail(
          'slack',
          'no bot token',
          'Set SLACK_BOT_TOKEN (channels.slack.botToken) to the xoxb-… token from OAuth & Permissions.',
        ),
      );
    else
      probes.push({
        name: 'slack',
        url: `${(slack.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/')}auth.test`,
        method: 'POST',
        headers: { authorization: `Bearer ${slack.botToken}` },
        read: (status, body) => {
          if (status !== 200 || body.ok !== true)
            throw new Error(`auth.test: ${String(body.error ?? `HTTP ${status}`)}`);
          return `bot ${String(body.user ?? '')} in ${String(body.team ?? '')}`;
        },
        fix: 'Slack refused the bot token: reinstall the app to the workspace and copy the xoxb-… token into SLACK_BOT_TOKEN.',
      });
  }
  if (discord?.enabled) {
    if (!discord.token)
      probes.push(
        fail(
          'discord',
          'no bot token',
          'Set DISCORD_BOT_TOKEN (channels.discord.token) from the Developer Portal → Bot → Reset Token.',
        ),
      );
    else
      probes.push({
        name: 'discord',
        url: `${(discord.apiRoot ?? 'https://discord.com/api').replace(/\/$/, '')}/v10/users/@me`,
        headers: { authorization: `Bot ${discord.token}` },
        read: (status, body) => {
          if (status !== 200)
            throw new Error(`GET /users/@me: HTTP ${status} ${String(body.message ?? '')}`);
          return `bot ${String(body.username ?? '')}`;
        },
        fix: 'Discord refused the token: Developer Portal → your application → Bot → Reset Token, and put it in DISCORD_BOT_TOKEN.',
      });
  }
  if (whatsapp?.enabled) probes.push(whatsappPaired(config));
  return probes;
}

function whatsappPaired(config: ParleyConfig): CheckResult {
  const account = config.channels.whatsapp?.account ?? 'default';
  try {
    const stores = openSqliteStores(join(config.dataDir, 'parley.db'));
    const stored = stores.authState(`whatsapp:${account}`).size();
    void stores.close();
    return stored > 0
      ? ok('whatsapp', `linked-device credentials of account "${account}" stored`)
      : fail(
          'whatsapp',
          `account "${account}" is not paired yet`,
          'Run `parley channels login whatsapp` (or open /admin) and scan the QR code in WhatsApp → Linked devices.',
        );
  } catch (error) {
    return fail('whatsapp', (error as Error).message, 'Check that the data folder is readable.');
  }
}

const checkChannels: Check = async (config, options) => {
  const probes = channelProbes(config);
  if (probes.length === 0)
    return [skip('channels', 'no messenger channel enabled (web chat only)')];
  const results: CheckResult[] = [];
  for (const probe of probes) {
    if ('status' in probe) {
      results.push(probe);
      continue;
    }
    options.out(`  … asking ${probe.name} to accept the credentials`);
    try {
      const res = await options.fetch(probe.url, {
        method: probe.method ?? 'GET',
        headers: probe.headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      results.push(ok(probe.name, `credentials accepted: ${probe.read(res.status, body)}`));
    } catch (error) {
      results.push(fail(probe.name, (error as Error).message, probe.fix));
    }
  }
  return results;
};

const CHECKS: [string, Check][] = [
  ['data folder', checkDataDir],
  ['Docker engine and sandbox image', checkDocker],
  ['AI provider', checkProvider],
  ['channel credentials', checkChannels],
];

/** Runs every check, printing progress and results; `ok` is false when one failed. */
export async function runDoctor(
  config: ParleyConfig,
  options: DoctorOptions = {},
): Promise<{ ok: boolean; results: CheckResult[] }> {
  const full = {
    docker: (c: ParleyConfig) =>
      new Docker(c.sandbox.socketPath ? { socketPath: c.sandbox.socketPath } : undefined),
    fetch: globalThis.fetch,
    out: (line: string) => process.stdout.write(`${line}\n`),
    timeoutMs: 10_000,
    ...options,
  };
  const redactor = new Redactor(configSecrets(config));
  const print = full.out;
  full.out = (line: string) => print(redactor.redact(line));
  const results: CheckResult[] = [ok('config', 'parley.yaml and the environment are valid')];
  full.out('✓ config: parley.yaml and the environment are valid');
  for (const [label, check] of CHECKS) {
    full.out(`… checking ${label}`);
    for (const result of await check(config, full)) {
      results.push(result);
      const mark = result.status === 'ok' ? '✓' : result.status === 'skip' ? '-' : '✗';
      full.out(`${mark} ${result.name}: ${result.detail}`);
      if (result.fix) full.out(`    fix: ${result.fix}`);
    }
  }
  const failed = results.filter((r) => r.status === 'fail');
  full.out(failed.length ? `${failed.length} problem(s) found.` : 'All checks passed.');
  return { ok: failed.length === 0, results };
}

export async function doctorCommand(_args: string[], config: ParleyConfig): Promise<number> {
  const { ok } = await runDoctor(config);
  return ok ? 0 : 1;
}
