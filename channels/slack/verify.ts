/**
 * Verifies that an HTTP request really comes from Slack, in two steps so that a
 * forged request costs nothing:
 *
 *   1. {@link headerProblem}, before the body is read: both signature headers are
 *      present, the timestamp is an integer within five minutes of now (replays
 *      refused, in both directions) and the signature looks like `v0=<64 hex>`;
 *   2. {@link signatureProblem}, on the raw body: Bolt's own `verifySlackRequest`
 *      (HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret, compared
 *      in constant time).
 *
 * The receiver answers 401 whenever either returns a reason.
 *
 * @example
 * ```ts
 * const early = headerProblem({ timestamp, signature, nowMs: Date.now() })
 * if (early) return Response.json({ error: early }, { status: 401 })
 * const problem = signatureProblem({ secret, timestamp, signature, body: await request.text(), nowMs })
 * ```
 */
import { verifySlackRequest } from '@slack/bolt';

/** Requests older (or newer) than this are refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

export interface SignatureHeaders {
  timestamp: string | undefined | null;
  signature: string | undefined | null;
  nowMs: number;
}

export interface SignedRequest extends SignatureHeaders {
  secret: string;
  body: string;
}

/** Undefined when the headers could belong to an authentic request, otherwise why not. */
export function headerProblem({
  timestamp,
  signature,
  nowMs,
}: SignatureHeaders): string | undefined {
  if (!timestamp || !signature) return 'missing Slack signature headers';
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) return 'malformed timestamp';
  if (Math.abs(nowMs / 1000 - seconds) > MAX_SKEW_SECONDS) return 'stale request timestamp';
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return 'signature mismatch';
  return undefined;
}

/** Undefined when the request is authentic, otherwise why it is refused. */
export function signatureProblem(request: SignedRequest): string | undefined {
  const early = headerProblem(request);
  if (early) return early;
  try {
    verifySlackRequest({
      signingSecret: request.secret,
      body: request.body,
      headers: {
        'x-slack-signature': request.signature as string,
        'x-slack-request-timestamp': Number(request.timestamp),
      },
      nowMilliseconds: request.nowMs,
    });
    return undefined;
  } catch {
    return 'signature mismatch';
  }
}
