/**
 * Reads the composed config schema back as a list of keys, so the loader, the
 * redaction list and the generated docs all derive from the metadata each layer put
 * on its keys (core/config-meta.ts) instead of keeping lists of their own:
 *
 *   configSchema ─► configFields() ─► env variables (load.ts, docs/configuration.md)
 *                                  ├─► secret keys (redaction, hidden in errors)
 *                                  └─► example placeholders (parley.example.yaml)
 */
import type { z } from 'zod';
import { type ConfigKeyMeta, keyMeta } from '../../core/config-meta.js';
import { configSchema } from './schema.js';

export interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  values?: unknown[];
  in?: z.ZodType;
  checks?: { _zod: { def: { check: string; format?: string } } }[];
}

export const def = (schema: z.ZodType): Def =>
  (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/nullable wrappers, collecting the default and description. */
export function unwrap(schema: z.ZodType): {
  core: z.ZodType;
  defaultValue: unknown;
  hasDefault: boolean;
  description: string | undefined;
} {
  let core = schema;
  let description = schema.description;
  let defaultValue: unknown;
  let hasDefault = false;
  for (;;) {
    const d = def(core);
    if ((d.type === 'default' || d.type === 'prefault') && d.innerType) {
      if (!hasDefault) {
        defaultValue =
          typeof d.defaultValue === 'function'
            ? (d.defaultValue as () => unknown)()
            : d.defaultValue;
        hasDefault = true;
      }
    } else if (d.type === 'pipe' && d.in) {
      core = d.in;
      description ??= core.description;
      continue;
    } else if (!(d.type === 'optional' || d.type === 'nullable') || !d.innerType) break;
    core = d.innerType!;
    description ??= core.description;
  }
  return { core, defaultValue, hasDefault, description };
}

/** One leaf key of the config (sections are walked into, not listed). */
export interface ConfigField extends ConfigKeyMeta {
  /** Dotted path, e.g. `channels.telegram.token`. */
  key: string;
  /** zod type of the value without its wrappers (`string`, `number`, `enum` …). */
  type: string;
}

/** Every leaf key under `schema`, in schema order. */
export function configFields(schema: z.ZodType = configSchema, path = ''): ConfigField[] {
  const shape = def(unwrap(schema).core).shape ?? {};
  return Object.entries(shape).flatMap(([name, child]) => {
    const key = path ? `${path}.${name}` : name;
    const type = def(unwrap(child).core).type;
    if (type === 'object') return configFields(child, key);
    return [{ key, type, ...keyMeta(child) }];
  });
}

/** The description with the key's environment variable and secrecy appended. */
export function describeField(text: string, meta: { env?: string; secret?: boolean }): string {
  const parts = [text];
  if (meta.env) parts.push(`Env: ${meta.env}.`);
  if (meta.secret) parts.push('Secret (redacted).');
  return parts.filter(Boolean).join(' ');
}

let cached: ConfigField[] | undefined;
const fields = () => (cached ??= configFields());

/** The field at a dotted key of Parley's config, if the schema declares one. */
export const fieldAt = (key: string): ConfigField | undefined =>
  fields().find((field) => field.key === key);

/** Environment variables declared on keys: variable name → field. */
export function envFields(): Map<string, ConfigField> {
  return new Map(fields().flatMap((field) => (field.env ? [[field.env, field] as const] : [])));
}

/** Every configured secret value (keys marked `secret: true`), for redaction. */
/**
 * Every secret in `config`: the values of keys marked secret, and the credentials of
 * any URL anywhere in it (`http://user:password@host`: the password, raw and decoded,
 * and `user:password`), so a password in OPENAI_BASE_URL is redacted like a key.
 */
export function configSecrets(config: unknown): string[] {
  const marked = fields()
    .filter((field) => field.secret)
    .map((field) => valueAt(config, field.key.split('.')))
    .filter((value): value is string => typeof value === 'string' && value !== '');
  return [...new Set([...marked, ...urlCredentials(config)])];
}

function urlCredentials(node: unknown, depth = 0): string[] {
  if (typeof node === 'string') {
    if (!node.includes('@') || !URL.canParse(node)) return [];
    const { username, password } = new URL(node);
    if (!password) return [];
    return [password, decodeURIComponent(password), `${username}:${password}`];
  }
  if (depth > 10 || node === null || typeof node !== 'object') return [];
  return Object.values(node).flatMap((value) => urlCredentials(value, depth + 1));
}

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** A key's type in words for docs and the example file: `integer`, `list of string` …. */
export function typeName(schema: z.ZodType): string {
  const { core } = unwrap(schema);
  const d = def(core);
  switch (d.type) {
    case 'number':
      return d.checks?.some((c) => c._zod.def.format === 'safeint') ? 'integer' : 'number';
    case 'string':
      return d.checks?.some((c) => c._zod.def.format === 'url') ? 'string (URL)' : 'string';
    case 'enum':
      return Object.values(d.entries ?? {})
        .map((v) => `"${v}"`)
        .join(' | ');
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' | ');
    case 'array':
      return `list of ${typeName(d.element!)}`;
    case 'record':
      return `map of ${typeName(d.valueType!)}`;
    case 'union':
      return (d.options ?? []).map(typeName).join(' | ');
    case 'object':
      return 'section';
    default:
      return d.type;
  }
}
