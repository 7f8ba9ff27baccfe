/**
 * Verifies that an HTTP request really comes from Slack, before anything in it is
 * trusted: `X-Slack-Signature` must equal `v0=` + hex(HMAC-SHA256(signing secret,
 * `v0:<X-Slack-Request-Timestamp>:<raw body>`)), compared in constant time, and the
 * timestamp must be within five minutes of now (replayed requests are refused).
 * The receiver answers 401 whenever this returns a reason.
 *
 * @example
 * ```ts
 * const problem = signatureProblem({ secret, timestamp, signature, body, nowMs: Date.now() })
 * if (problem) return sendJson(res, 401, { error: problem })
 * ```
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../http/server.js';

/** Requests older (or newer) than this are refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

export interface SignedRequest {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer | string;
  nowMs: number;
}

/** The `v0=` signature Slack would send for this timestamp and body. */
export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/** Undefined when the request is authentic, otherwise why it is refused. */
export function signatureProblem(request: SignedRequest): string | undefined {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) return 'missing Slack signature headers';
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) return 'malformed timestamp';
  if (Math.abs(request.nowMs / 1000 - seconds) > MAX_SKEW_SECONDS) return 'stale request timestamp';
  if (!safeEqual(signature, slackSignature(request.secret, timestamp, request.body)))
    return 'signature mismatch';
  return undefined;
}
