/**
 * Builds the one validated config object at startup: `parley.yaml` (optional) with
 * `${VAR}` placeholders, then environment overrides, then zod validation. Errors
 * name the key, what was found, what is expected and how to fix it.
 *
 * Environment overrides: the variable each layer declared on its keys
 * (`.meta({ env })`, e.g. TELEGRAM_BOT_TOKEN; listed in docs/configuration.md) and
 * generic `PARLEY_<SECTION>__<KEY>` variables (double underscore between levels,
 * e.g. `PARLEY_QUEUE__CONCURRENCY=32`). A key whose schema type is a string takes
 * the value as it is (tokens that look like numbers stay strings). When a bad
 * value came from a variable, its error names that variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { envFields, fieldAt, valueAt } from './fields.js';
import { configSchema, type ParleyConfig } from './schema.js';
import { didYouMean, genericVariable } from './suggest.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

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
  const origins: EnvOrigins = new Map();
  const substituted = substitute(raw, env, [], problems, origins);
  applyEnv(substituted as Record<string, unknown>, env, problems, origins);
  if (problems.length) throw new ConfigError(source, problems);
  return validate(substituted, source, origins);
}

/** Which environment variable set a key (`web.port` → `PARLEY_WEB_PORT`). */
type EnvOrigins = Map<string, string>;

/** Validates an already-merged object (used by tests and `parley config validate`). */
export function validate(
  input: unknown,
  source = 'config',
  origins: EnvOrigins = new Map(),
): ParleyConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => describeIssue(issue, input, origins)),
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
  origins: EnvOrigins,
): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/.exec(value);
    if (whole?.[1] && env[whole[1]] !== undefined) origins.set(path.join('.'), whole[1]);
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
    return value.map((item, i) => substitute(item, env, [...path, String(i)], problems, origins));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        substitute(v, env, [...path, k], problems, origins),
      ]),
    );
  }
  return value;
}

function applyEnv(
  target: Record<string, unknown>,
  env: Record<string, string | undefined>,
  problems: string[],
  origins: EnvOrigins,
): void {
  const declared = envFields();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const key = declared.get(name)?.key ?? genericKey(name);
    if (!key) continue;
    const plain = fieldAt(key)?.type === 'string';
    if (!setPath(target, key.split('.'), plain ? value : parseScalar(value))) {
      problems.push(`${name}: cannot set ${key} because a parent key is not a mapping.`);
    } else origins.set(key, name);
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

function kind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, origins: EnvOrigins): string {
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue.path, issue.keys, origins);
  if (issue.code === 'invalid_key') {
    const name = String(issue.path.at(-1));
    const why = issue.issues.map((inner) => inner.message).join('; ');
    return `${issue.path.slice(0, -1).join('.')}: the key "${name}" is not valid (${why}). Fix: rename it in parley.yaml.`;
  }
  const key = issue.path.join('.') || 'top level';
  const found = valueAt(input, issue.path);
  const shown =
    fieldAt(key)?.secret && typeof found === 'string' ? 'a string (hidden)' : kind(found);
  const variable = origins.get(key);
  const wanted = expected(issue);
  const list = issue.code === 'invalid_type' && issue.expected === 'array';
  if (variable) {
    const example = list ? ` (a YAML or JSON list, e.g. ${variable}='["first", "second"]')` : '';
    return `${key} (from ${variable}): found ${shown}; expected ${wanted}. Fix: set ${variable} to ${wanted}${example}.`;
  }
  const declared = fieldAt(key)?.env;
  const where = declared ? `in parley.yaml or ${declared}` : 'in parley.yaml';
  if (list)
    return `${key}: found ${shown}; expected a list. Fix: write it as a YAML list ${where}:\n${yamlList(issue.path, found)}`;
  return `${key}: found ${shown}; expected ${wanted}. Fix: set ${key} to ${wanted} ${where}.`;
}

/** One line per unknown key, with the nearest known key and the variable it came from. */
function unknownKeys(path: PropertyKey[], keys: string[], origins: EnvOrigins): string {
  const section = path.join('.');
  const where = section || 'top level';
  return keys
    .map((name) => {
      const variable = origins.get(section ? `${section}.${name}` : name);
      const from = variable ? ` (from ${variable})` : '';
      const guess = didYouMean(section, name);
      const meant = guess && (section ? `${section}.${guess}` : guess);
      const fix = !meant
        ? `Fix: ${variable ? `unset ${variable}` : 'remove it'} or check the spelling against parley.example.yaml.`
        : variable
          ? `Did you mean ${meant}? Fix: set ${fieldAt(meant)?.env ?? genericVariable(meant)} instead.`
          : `Did you mean "${guess}"? Fix: rename it to ${guess}.`;
      return `${where}: unknown key "${name}"${from}. ${fix}`;
    })
    .join('\n  - ');
}

/** `access.owners` as the YAML it is written as: the section lines, then `- item` lines. */
function yamlList(path: PropertyKey[], found: unknown): string {
  const keys = path.map(String).filter((part) => !/^\d+$/.test(part));
  const lines = keys.map((part, depth) => `${'  '.repeat(depth + 2)}${part}:`);
  const indent = '  '.repeat(keys.length + 2);
  const items =
    typeof found === 'string' && found !== '' && !fieldAt(keys.join('.'))?.secret
      ? found.split(',').map((item) => JSON.stringify(item.trim()))
      : ['first', 'second'];
  return [...lines, ...items.map((item) => `${indent}- ${item}`)].join('\n');
}

function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'array'
        ? 'a list'
        : issue.expected === 'object'
          ? 'a mapping of keys'
          : /^[aeiou]/.test(issue.expected)
            ? `an ${issue.expected}`
            : `a ${issue.expected}`;
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
