/**
 * Secret redaction: replaces every configured secret (bot tokens, API keys, the web
 * token) with `[redacted]` in text headed for logs, the model or a chat. Used by the
 * logger and by tool output before it leaves a tool. Each secret is also looked for
 * in its encoded forms, so `base64 <<< $KEY` or `xxd -p` in the sandbox does not
 * smuggle it out: hex (lower and upper case) and base64 / base64url at each of the
 * three byte alignments it can have inside a longer encoded text (only the
 * characters that depend on the secret alone are matched).
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
      if (!secret || secret.length < 6) continue;
      for (const form of [secret, ...encodedForms(secret)])
        if (!this.secrets.includes(form)) this.secrets.push(form);
    }
    this.secrets.sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length
      ? new RegExp(this.secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
      : undefined;
  }

  /**
   * Where a tail of `text` begins that is the start of a secret (cut off by the end of
   * the text), or `text.length` when none is.
   */
  partialStart(text: string): number {
    const longest = this.secrets[0]?.length ?? 0;
    for (let i = Math.max(0, text.length - longest + 1); i < text.length; i++) {
      const tail = text.slice(i);
      if (this.secrets.some((secret) => secret.startsWith(tail))) return i;
    }
    return text.length;
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

/**
 * Redaction for text that arrives in pieces (streamed answer fragments): a secret may
 * be split across two fragments, so a tail of the text that could be the start of a
 * secret is held back until the next fragment (or `end`) shows whether it is. Text
 * that cannot start a secret is shown at once.
 *
 * @example
 * ```ts
 * const stream = new RedactingStream(redactor)
 * onDelta = (d) => send(stream.push(d))   // safe to show now
 * send(stream.end())                      // the rest
 * ```
 */
export class RedactingStream {
  private pending = '';

  constructor(private readonly redactor: Redactor) {}

  /** Adds a fragment; returns the redacted text that can be shown now. */
  push(fragment: string): string {
    const text = this.redactor.redact(this.pending + fragment);
    const from = this.redactor.partialStart(text);
    this.pending = text.slice(from);
    return text.slice(0, from);
  }

  /** The text held back, redacted. */
  end(): string {
    const rest = this.redactor.redact(this.pending);
    this.pending = '';
    return rest;
  }
}

/** `url` without its user and password, for quoting a configured URL. */
export function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
}

/** Hex and base64 forms of `secret` (see the module comment). */
export function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  const forms = [hex, hex.toUpperCase()];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const first = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    const core = encoded.slice(first, end);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)].filter((form) => form.length >= 6);
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
