/**
 * Metadata a layer puts on the keys of its config schema, so everything else about
 * a key is derived from that one place: the environment variable that sets it
 * (and the env table in docs/configuration.md), whether its value is a secret
 * (redacted from logs, tool output and replies; hidden in config errors), and the
 * placeholder shown in parley.example.yaml.
 *
 * Each layer owns its schema (`channels/<name>/config.ts`, `agent/config.ts`, …) and
 * writes zod 4's `.meta()` with these fields; `cli/config/` composes the schemas and
 * reads the metadata back with {@link keyMeta}.
 *
 * @example
 * ```ts
 * token: z
 *   .string()
 *   .optional()
 *   .meta({ env: 'TELEGRAM_BOT_TOKEN', secret: true })
 *   .describe('Bot token from @BotFather.'),
 * ```
 */
import type { z } from 'zod';

export interface ConfigKeyMeta {
  /** Environment variable that sets this key, e.g. `TELEGRAM_BOT_TOKEN`. */
  env?: string;
  /** A credential: redacted wherever Parley prints or returns text, hidden in errors. */
  secret?: boolean;
  /** Shown in parley.example.yaml for a key without a default (a secret shows `${env}`). */
  example?: string;
}

declare module 'zod' {
  interface GlobalMeta extends ConfigKeyMeta {}
}

interface WrapperDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): WrapperDef =>
  (schema as unknown as { _zod: { def: WrapperDef } })._zod.def;

/**
 * The metadata of a key, collected through its wrappers (`.optional()`,
 * `.default()`, pipes): zod keeps `.meta()` on the wrapper it was called on.
 */
export function keyMeta(schema: z.ZodType): ConfigKeyMeta {
  const found: ConfigKeyMeta = {};
  for (let node: z.ZodType | undefined = schema; node; ) {
    const meta = node.meta() as ConfigKeyMeta | undefined;
    if (meta?.env !== undefined) found.env ??= meta.env;
    if (meta?.secret !== undefined) found.secret ??= meta.secret;
    if (meta?.example !== undefined) found.example ??= meta.example;
    const def = defOf(node);
    node = def.type === 'pipe' ? def.in : def.innerType;
  }
  return found;
}
