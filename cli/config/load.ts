/**
 * Builds the one validated config object at startup: `parley.yaml` (optional) with
 * `${VAR}` placeholders, then environment overrides, then zod validation. Errors
 * name the key, what was found, what is expected and how to fix it.
 *
 * Environment overrides: OPENAI_API_KEY, OPENAI_BASE_URL, PARLEY_MODEL, the short
 * forms in {@link ENV_ALIASES}, and generic `PARLEY_<SECTION>__<KEY>` variables
 * (double underscore between levels, e.g. `PARLEY_QUEUE__CONCURRENCY=32`).
 */
import { existsSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParleyConfig } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const ENV_ALIASES: Record<string, string> = {
  OPENAI_API_KEY: 'llm.apiKey',
  OPENAI_BASE_URL: 'llm.baseUrl',
  PARLEY_MODEL: 'llm.model',
  PARLEY_DATA_DIR: 'dataDir',
  PARLEY_WEB_HOST: 'web.host',
  PARLEY_WEB_PORT: 'web.port',
  PARLEY_WEB_TOKEN: 'web.token',
  PARLEY_LOG_LEVEL: 'logging.level',
  TELEGRAM_BOT_TOKEN: 'channels.telegram.token',
  TELEGRAM_API_ROOT: 'channels.telegram.apiRoot',
  TELEGRAM_WEBHOOK_URL: 'channels.telegram.webhook.url',
  TELEGRAM_WEBHOOK_SECRET: 'channels.telegram.webhook.secret',
  DISCORD_BOT_TOKEN: 'channels.discord.token',
  DISCORD_APPLICATION_ID: 'channels.discord.applicationId',
  DISCORD_GUILD_ID: 'channels.discord.commandGuildId',
  SLACK_BOT_TOKEN: 'channels.slack.botToken',
  SLACK_APP_TOKEN: 'channels.slack.appToken',
  SLACK_SIGNING_SECRET: 'channels.slack.signingSecret',
};

/** Keys of variables that are plain values even when they look like YAML (tokens). */
const STRING_KEYS = new Set([
  'llm.apiKey',
  'llm.model',
  'web.token',
  'channels.telegram.token',
  'channels.telegram.webhook.secret',
  'channels.discord.token',
  'channels.discord.applicationId',
  'channels.discord.commandGuildId',
  'channels.slack.botToken',
  'channels.slack.appToken',
  'channels.slack.signingSecret',
]);

export interface LoadOptions {
  /** Path of the YAML file; missing is fine unless `required`. */
  path?: string;
  required?: boolean;
  env?: Record<string, string | undefined>;
}

/** Reads, merges and validates the configuration. Throws {@link ConfigError}. */
export function loadConfig(options: LoadOptions = {}): ParleyConfig {
  const env = options.env ?? {};
  const path = options.path ?? env.PARLEY_CONFIG ?? 'parley.yaml';
  const source = existsSync(path) ? path : 'defaults and environment';
  if (!existsSync(path) && (options.required || env.PARLEY_CONFIG)) {
    throw new ConfigError(path, [
      `file not found. Fix: create it (copy parley.example.yaml) or point PARLEY_CONFIG at it.`,
    ]);
  }
  const raw = existsSync(path) ? readYaml(path) : {};
  const problems: string[] = [];
  const substituted = substitute(raw, env, [], problems);
  applyEnv(substituted as Record<string, unknown>, env, problems);
  if (problems.length) throw new ConfigError(source, problems);
  return validate(substituted, source);
}

/** Validates an already-merged object (used by tests and `parley config validate`). */
export function validate(input: unknown, source = 'config'): ParleyConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => describeIssue(issue, input)),
  );
}

function readYaml(path: string): unknown {
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [
      `not valid YAML: ${(error as Error).message.split('\n')[0]}. Fix: check indentation and quoting.`,
    ]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(path, [
      `top level: found ${kind(parsed)}, expected a mapping of keys (e.g. "llm:").`,
    ]);
  }
  return parsed;
}

/** Replaces `${VAR}` in every string; an unset variable is a problem naming the key. */
function substitute(
  value: unknown,
  env: Record<string, string | undefined>,
  path: string[],
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_match, name: string, fallback?: string) => {
        const found = env[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        problems.push(
          `${path.join('.')}: \${${name}} is not set. Fix: export ${name}=… or write \${${name}:-default}.`,
        );
        return '';
      },
    );
  }
  if (Array.isArray(value))
    return value.map((item, i) => substitute(item, env, [...path, String(i)], problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, [...path, k], problems)]),
    );
  }
  return value;
}

function applyEnv(
  target: Record<string, unknown>,
  env: Record<string, string | undefined>,
  problems: string[],
): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const key = ENV_ALIASES[name] ?? genericKey(name);
    if (!key) continue;
    if (!setPath(target, key.split('.'), STRING_KEYS.has(key) ? value : parseScalar(value))) {
      problems.push(`${name}: cannot set ${key} because a parent key is not a mapping.`);
    }
  }
}

/** `PARLEY_LLM__MAX_TOOL_ROUNDS` → `llm.maxToolRounds`. */
function genericKey(name: string): string | undefined {
  if (!name.startsWith('PARLEY_') || !name.includes('__')) return undefined;
  return name
    .slice('PARLEY_'.length)
    .split('__')
    .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
    .join('.');
}

function parseScalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (value.startsWith('[') || value.startsWith('{')) {
    try {
      return YAML.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): boolean {
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key] ?? {};
    if (typeof next !== 'object' || Array.isArray(next)) return false;
    node[key] = next;
    node = next as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
  return true;
}

function getPath(input: unknown, path: PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function kind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

const SECRET_KEY = /token|key|secret|password/i;

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? issue.path.join('.') : 'top level';
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}. Fix: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling against parley.example.yaml.`;
  }
  const key = issue.path.join('.') || 'top level';
  const found = getPath(input, issue.path);
  const shown =
    SECRET_KEY.test(key) && typeof found === 'string' ? 'a string (hidden)' : kind(found);
  return `${key}: found ${shown}; expected ${expected(issue)}. Fix: set ${key} to ${expected(issue)} in parley.yaml or its environment variable.`;
}

function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `a value >= ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'too_big':
      return `a value <= ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'url'
        ? 'a URL like http://127.0.0.1:11434/v1'
        : `a ${issue.format} (${issue.message})`;
    default:
      return issue.message;
  }
}
