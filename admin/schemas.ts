/**
 * The zod schemas of the admin API, named for the OpenAPI document's components.
 * The routes (admin/api.ts, admin/ops.ts) validate requests with them and the
 * document at `/api/openapi.json` is generated from them: one description, no
 * hand-written copy to drift.
 */
import { z } from '@hono/zod-openapi';

export { z };

export const ErrorBody = z
  .object({ error: z.string(), fix: z.string().optional() })
  .openapi('Error');

export const ChannelStatus = z
  .object({
    id: z.string().openapi({ examples: ['telegram'] }),
    state: z.enum([
      'starting',
      'connected',
      'qr',
      'paused',
      'stopped',
      'logged_out',
      'error',
      'unknown',
    ]),
    detail: z.string().optional(),
    fix: z
      .string()
      .optional()
      .openapi({ description: 'How to fix the last error, in plain words.' }),
    since: z.number().int().openapi({ description: 'ms since epoch' }),
    capabilities: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('ChannelStatus');

export const Status = z
  .object({
    version: z.string().optional(),
    uptimeSeconds: z.number().int(),
    url: z.string().optional(),
    model: z.string(),
    providerMissing: z.string().nullable().optional(),
    queue: z.object({ depth: z.number().int(), active: z.number().int() }),
    channels: z.array(ChannelStatus),
    pendingApprovals: z.number().int(),
    pendingPairing: z.number().int(),
    cluster: z
      .object({
        nodeId: z.string(),
        role: z.string(),
        nodes: z.array(
          z.object({
            nodeId: z.string(),
            role: z.string(),
            seenMsAgo: z.number(),
            leases: z.array(z.string()),
            lanes: z.number().int(),
          }),
        ),
      })
      .optional()
      .openapi({ description: 'Postgres: this node and every live node of its cluster.' }),
  })
  .openapi('Status');

const StatsBucket = z
  .object({
    t: z.number().int(),
    messagesIn: z.number().int(),
    messagesOut: z.number().int(),
    failed: z.number().int(),
    sandboxRuns: z.number().int(),
    toolCalls: z.number().int(),
    queueDepth: z.number().int(),
    latencyP50: z.number().nullable(),
    latencyP99: z.number().nullable(),
  })
  .partial()
  .openapi('StatsBucket');

export const Stats = z
  .object({
    now: z.number().int(),
    bucketMs: z.number().int(),
    queueDepth: z.number().int().optional(),
    active: z.number().int().optional(),
    buckets: z.array(StatsBucket),
    totals: z.record(z.string(), z.number().int()).optional(),
  })
  .openapi('Stats');

export const Approval = z
  .object({
    id: z.string(),
    tool: z.string(),
    args: z.string().openapi({ description: 'JSON arguments (secrets redacted)' }),
    channel: z.string().optional(),
    conversationKey: z.string().optional(),
    requestedBy: z.string().optional(),
    sandboxed: z.boolean().optional(),
    status: z.enum(['pending', 'approved', 'denied', 'expired']),
    createdAt: z.number().int().optional(),
    expiresAt: z.number().int().optional(),
  })
  .openapi('Approval');

export const PairingRequest = z
  .object({
    code: z.string(),
    channel: z.string(),
    senderId: z.string(),
    senderName: z.string().optional(),
    status: z.string().optional(),
    createdAt: z.number().int().optional(),
    expiresAt: z.number().int().optional(),
  })
  .openapi('PairingRequest');

export const Session = z
  .object({
    id: z.number().int(),
    key: z.string(),
    channel: z.string(),
    conversationId: z.string().optional(),
    threadId: z.string().optional(),
    chatType: z.enum(['dm', 'group']).optional(),
    userId: z.string().optional(),
    createdAt: z.number().int().optional(),
    endedAt: z.number().int().nullable().optional(),
    messages: z.number().int().optional(),
    lastAt: z.number().int().nullable().optional(),
  })
  .openapi('Session');

export const Message = z
  .object({
    id: z.number().int(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string().nullable().optional(),
    senderId: z.string().optional(),
    senderName: z.string().optional(),
    toolCalls: z.array(z.record(z.string(), z.unknown())).optional(),
    toolCallId: z.string().optional(),
    createdAt: z.number().int().optional(),
  })
  .openapi('Message');

export const Tool = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    policy: z.enum(['auto', 'ask', 'deny']),
    sandboxed: z.boolean().optional(),
    unavailable: z.string().optional().openapi({ description: 'Why the tool cannot be used now.' }),
  })
  .openapi('Tool');

export const ProviderCheck = z
  .object({
    ok: z.boolean(),
    model: z.string().optional(),
    latencyMs: z.number().int().optional(),
    reply: z.string().optional(),
    models: z.array(z.string()).optional(),
    error: z.string().optional(),
    fix: z.string().optional(),
  })
  .openapi('ProviderCheck');

export const WhatsAppQr = z
  .object({
    state: z.string(),
    qr: z.string().optional().openapi({ description: 'Raw QR payload' }),
    qrDataUrl: z.string().optional().openapi({ description: 'QR code as a data: URL (PNG)' }),
    number: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi('WhatsAppQr');

export const AnswerBody = z.object({ answer: z.enum(['approve', 'deny', 'session']) });
export const PairingBody = z.object({ action: z.enum(['approve', 'reject']) });
export const IdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'Approval id' }),
});
export const CodeParam = z.object({
  code: z.string().openapi({ param: { name: 'code', in: 'path' }, description: 'Pairing code' }),
});
export const SessionParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, type: 'integer', description: 'Session id' }),
});

/** `{ description, content: { 'application/json': { schema } } }` */
export function json(schema: z.ZodType, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export const UNAUTHORIZED = { 401: json(ErrorBody, 'Missing or wrong access token') };
