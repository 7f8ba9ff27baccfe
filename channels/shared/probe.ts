/**
 * The one HTTP call a channel's `probe` makes for `parley doctor`: ask the
 * platform who the credentials belong to. `read` turns the answer into the account
 * name or throws the platform's complaint; either way the result says what to fix.
 */
import type { ProbeResult } from '../../core/module.js';

export interface CredentialCheck {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** The account name on success; throws with the platform's complaint otherwise. */
  read: (status: number, body: Record<string, unknown>) => string;
  /** What to do when the platform refused or could not be reached. */
  fix: string;
}

export async function checkCredentials(
  check: CredentialCheck,
  signal: AbortSignal,
): Promise<ProbeResult> {
  try {
    const response = await fetch(check.url, {
      method: check.method ?? 'GET',
      headers: check.headers ?? {},
      signal,
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { ok: true, detail: `credentials accepted: ${check.read(response.status, body)}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message, fix: check.fix };
  }
}

/** The result for a channel that is enabled without its token. */
export const missingToken = (fix: string): ProbeResult => ({
  ok: false,
  detail: 'no bot token',
  fix,
});
