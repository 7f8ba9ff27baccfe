/**
 * Secret redaction: replaces every configured secret (bot tokens, API keys, the web
 * token) with `[redacted]` in text headed for logs, the model or a chat. Used by the
 * logger and by tool output before it leaves a tool.
 */

export const REDACTED = '[redacted]';

export class Redactor {
  private secrets: string[] = [];
  private pattern: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined> = []) {
    this.add(...secrets);
  }

  /** Adds secrets (values shorter than 6 characters are ignored: too likely in normal text). */
  add(...secrets: (string | undefined)[]): void {
    for (const secret of secrets) {
      if (secret && secret.length >= 6 && !this.secrets.includes(secret)) this.secrets.push(secret);
    }
    this.secrets.sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length
      ? new RegExp(this.secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
      : undefined;
  }

  /** `text` with every secret replaced. */
  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }

  /** A deep copy of `value` with secrets replaced in every string. */
  redactDeep<T>(value: T): T {
    if (!this.pattern) return value;
    return walk(value, (text) => this.redact(text)) as T;
  }
}

function walk(value: unknown, map: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return map(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: map(value.message),
      stack: value.stack ? map(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((item) => walk(item, map, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = walk(item, map, depth + 1);
  return out;
}
