/**
 * Generates `parley.example.yaml` from the zod schema: every key, commented with its
 * description and type, set to its default (keys without a default are shown
 * commented out, with the `example` of their metadata or `${VAR}` for a secret). The file is valid as it is; a test keeps it equal to this output.
 * Written together with docs/configuration.md by `npx tsx cli/config/reference.ts --write`.
 */
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { keyMeta } from '../../core/config-meta.js';
import { def, describeField, typeName, unwrap } from './fields.js';
import { configSchema } from './schema.js';

export const EXAMPLE_PATH = fileURLToPath(new URL('../../parley.example.yaml', import.meta.url));

/** What a key without a default shows: its example, or `${VAR}` for a secret with a variable. */
function placeholder(schema: z.ZodType): string {
  const meta = keyMeta(schema);
  if (meta.example !== undefined) return meta.example;
  return meta.secret && meta.env ? `\${${meta.env}}` : '';
}

function scalar(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0 }).trimEnd();
}

function comment(text: string, indent: string): string[] {
  return text ? text.split('\n').map((line) => `${indent}# ${line}`) : [];
}

/** YAML lines for the fields of one object schema at `path`. */
function lines(schema: z.ZodType, path: string, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const out: string[] = [];
  const shape = def(unwrap(schema).core).shape ?? {};
  for (const [key, child] of Object.entries(shape)) {
    const full = path ? `${path}.${key}` : key;
    const info = unwrap(child);
    const isObject = def(info.core).type === 'object';
    if (depth === 0 && out.length > 0) out.push('');
    if (isObject) {
      out.push(...comment(info.description ?? '', indent), ...section(key, child, full, depth));
      continue;
    }
    const described = describeField(info.description ?? '', keyMeta(child));
    out.push(...comment(`${described} (${typeName(child)})`.trim(), indent));
    if (info.hasDefault) {
      const value = scalar(info.defaultValue);
      out.push(
        value.includes('\n')
          ? `${indent}${key}:\n${value.replace(/^/gm, `${indent}  `)}`
          : `${indent}${key}: ${value}`,
      );
    } else out.push(`${indent}# ${key}: ${placeholder(child)}`.trimEnd());
  }
  return out;
}

/**
 * An object section. Sections whose children are all commented out render as `{}`;
 * an optional section that would be invalid with only its defaults (it has required
 * keys, e.g. a webhook URL) is shown commented out: uncomment it to use it.
 */
function section(key: string, schema: z.ZodType, path: string, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const body = lines(schema, path, depth + 1);
  const blank = body.every((line) => line.trim().startsWith('#'));
  const rendered = [`${indent}${key}:${blank ? ' {}' : ''}`, ...body];
  const parsed = YAML.parse(rendered.join('\n')) as Record<string, unknown>;
  if (schema.safeParse(parsed[key]).success) return rendered;
  return rendered.map((line) => `${indent}# ${line.slice(indent.length)}`);
}

export function exampleYaml(): string {
  return [
    '# parley.example.yaml: every configuration key with its default.',
    '# Generated from the zod schema by `npx tsx cli/config/reference.ts --write`; do not edit by hand.',
    '# Copy it to parley.yaml and change what you need. ${VAR} placeholders are filled from the',
    '# environment, and environment variables override the file (see docs/configuration.md).',
    '',
    ...lines(configSchema, '', 0),
    '',
  ].join('\n');
}
