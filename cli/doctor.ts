/**
 * `parley doctor`: checks everything Parley needs before (or while) it runs, and
 * says how to fix each failure:
 *
 *   config valid ─► data folder writable ─► Postgres (connection, schema version)
 *   ─► Docker engine + sandbox image
 *   ─► AI provider (one tiny completion; 401 = bad API key)
 *   ─► each enabled channel module's `probe` (Telegram getMe, Slack auth.test,
 *      Discord GET /users/@me, WhatsApp paired), and a warning for a channel whose
 *      credentials are set but which is not enabled
 *
 * Exits non-zero when a check fails (warnings do not). Docker and the model are
 * injectable so tests point them at doubles (or at a socket that does not exist);
 * channel probes are pointed at doubles through their config's API roots.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { pingProvider } from '../admin/provider.js';
import { type ChatModel, missingProvider, OpenAIChatModel } from '../agent/llm.js';

import { openSqliteStores } from '../sessions/sqlite/index.js';
import { Redactor } from '../tools/redact.js';
import { enabledModules, sectionOf, sectionPath } from './channels.js';
import { dormantChannels } from './config/dormant.js';
import { configSecrets } from './config/fields.js';
import type { ParleyConfig } from './config/schema.js';
import { openStores } from './stores.js';

export interface CheckResult {
  name: string;
  /** `warn` is printed with its fix but does not fail the run. */
  status: 'ok' | 'fail' | 'skip' | 'warn';
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  /** Builds the Docker client (default: dockerode on `sandbox.socketPath`). */
  docker?: (config: ParleyConfig) => Docker;
  /** The model to ping (default: the configured OpenAI-compatible provider). */
  model?: ChatModel;
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
    if (config.storage.driver === 'postgres')
      return [ok('data folder', `${config.dataDir} is writable (workspaces; data in Postgres)`)];
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

/** Postgres: the connection and the schema version against this build's migrations. */
const checkPostgres: Check = async (config, options) => {
  if (config.storage.driver !== 'postgres')
    return [skip('postgres', 'storage.driver is sqlite (one node, data in dataDir)')];
  const fix =
    'Check storage.url / PARLEY_DATABASE_URL (host, port, user, password, database) and that the server accepts connections from this host.';
  try {
    const { postgresSchema } = await import('../sessions/postgres/index.js');
    const { version, latest } = await withTimeout(
      postgresSchema(config.storage.url!),
      options.timeoutMs,
      'Postgres',
    );
    if (version > latest)
      return [
        fail(
          'postgres',
          `schema version ${version} is newer than this Parley (${latest})`,
          'Upgrade Parley on this node to the version the other nodes run.',
        ),
      ];
    const state = version === latest ? 'up to date' : `will be migrated to ${latest} at start`;
    return [ok('postgres', `connected; schema version ${version} (${state})`)];
  } catch (error) {
    return [fail('postgres', `cannot connect: ${(error as Error).message}`, fix)];
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

/** Each enabled channel module's own probe (channels/<name>/index.ts), plus dormant channels. */
const checkChannels: Check = async (config, options) => {
  const results: CheckResult[] = dormantChannels(config).map(({ section, detail, fix }) => ({
    name: section,
    status: 'warn',
    detail,
    fix: fix.charAt(0).toUpperCase() + fix.slice(1),
  }));
  const enabled = enabledModules(config).filter((module) => module.probe);
  if (enabled.length === 0)
    results.push(skip('channels', 'no messenger channel enabled (web chat only)'));
  if (enabled.length === 0) return results;
  const stores = await openStores(config);
  try {
    for (const module of enabled) {
      options.out(`  … asking ${module.id} to accept the credentials`);
      const signal = AbortSignal.timeout(options.timeoutMs);
      const probe = await module.probe!(sectionOf(module, config), { signal, stores });
      results.push(
        probe.ok
          ? ok(module.id, probe.detail)
          : fail(module.id, probe.detail, probe.fix ?? `Check ${sectionPath(module)}.`),
      );
    }
  } finally {
    await stores.close();
  }
  return results;
};

const CHECKS: [string, Check][] = [
  ['data folder', checkDataDir],
  ['storage', checkPostgres],
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
      const mark = { ok: '✓', skip: '-', warn: '!', fail: '✗' }[result.status];
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
