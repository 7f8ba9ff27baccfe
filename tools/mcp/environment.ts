/**
 * What an MCP server is given of Parley's environment, and nothing more: a stdio
 * server starts with PATH, HOME and LANG plus the variables its config names; an
 * HTTP server's header values have their `${NAME}` placeholders filled in. The
 * environment is handed in by the composition root (no module reads `process.env`
 * itself). Every value taken from it is returned as a secret for the redactor.
 *
 * Note: the SDK's StdioClientTransport also adds its own short list of inherited,
 * non-secret variables (HOME, LOGNAME, PATH, SHELL, TERM, USER) to what we pass.
 */
import type { HttpServerConfig, StdioServerConfig } from './config.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface Resolved<T> {
  value: T;
  /** Values read from the environment, to be redacted everywhere. */
  secrets: string[];
  /** Variables named in the config but not set. */
  missing: string[];
}

/** Variables every stdio server gets so that ordinary programs run. */
export const BASE_VARIABLES = ['PATH', 'HOME', 'LANG'] as const;

/** The explicit, minimal environment of a stdio server. */
export function stdioEnvironment(
  server: Pick<StdioServerConfig, 'env'>,
  parent: Environment,
): Resolved<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of BASE_VARIABLES) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  const secrets: string[] = [];
  const missing: string[] = [];
  const entries = Array.isArray(server.env)
    ? server.env.map((name) => [name, `\${${name}}`] as const)
    : Object.entries(server.env);
  for (const [name, template] of entries) {
    const filled = fillPlaceholders(template, parent);
    env[name] = filled.value;
    secrets.push(...filled.secrets);
    missing.push(...filled.missing);
  }
  return { value: env, secrets, missing };
}

/** Header values of an HTTP server with `${NAME}` filled in. */
export function httpHeaders(
  server: Pick<HttpServerConfig, 'headers'>,
  parent: Environment,
): Resolved<Record<string, string>> {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  for (const [name, template] of Object.entries(server.headers)) {
    const filled = fillPlaceholders(template, parent);
    headers[name] = filled.value;
    secrets.push(...filled.secrets);
    missing.push(...filled.missing);
  }
  return { value: headers, secrets, missing };
}

/** `"Bearer ${TOKEN}"` → `"Bearer abc…"`, reporting what was used and what is unset. */
export function fillPlaceholders(template: string, parent: Environment): Resolved<string> {
  const secrets: string[] = [];
  const missing: string[] = [];
  const value = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = parent[name];
    if (found === undefined) {
      missing.push(name);
      return '';
    }
    secrets.push(found);
    return found;
  });
  return { value, secrets, missing };
}
