/**
 * The OpenAPI 3.1 description of Parley's operations HTTP API (served at
 * `/openapi.json` and `/openapi.yaml`). Every route the admin page calls is listed
 * here; a test scans the page's script and fails when one is missing.
 *
 * Authentication: the same access token as the web chat, as a bearer token, the
 * `token` query parameter or the `parley_token` cookie. `/healthz`, `/readyz` and the
 * document itself need no token.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  '401': { $ref: '#/components/responses/Unauthorized' },
};
const idParam = (name: string, description: string, type = 'string') => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type },
});

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string' }, fix: { type: 'string' } },
  },
  ChannelStatus: {
    type: 'object',
    required: ['id', 'state', 'since'],
    properties: {
      id: { type: 'string', examples: ['telegram'] },
      state: {
        type: 'string',
        enum: [
          'starting',
          'connected',
          'qr',
          'paused',
          'stopped',
          'logged_out',
          'error',
          'unknown',
        ],
      },
      detail: { type: 'string' },
      fix: { type: 'string', description: 'How to fix the last error, in plain words.' },
      since: { type: 'integer', description: 'ms since epoch' },
      capabilities: { type: 'object', additionalProperties: true },
    },
  },
  Status: {
    type: 'object',
    required: ['uptimeSeconds', 'model', 'queue', 'channels', 'pendingApprovals', 'pendingPairing'],
    properties: {
      version: { type: 'string' },
      uptimeSeconds: { type: 'integer' },
      url: { type: 'string' },
      model: { type: 'string' },
      providerMissing: { type: ['string', 'null'] },
      queue: {
        type: 'object',
        properties: { depth: { type: 'integer' }, active: { type: 'integer' } },
      },
      channels: { type: 'array', items: ref('ChannelStatus') },
      pendingApprovals: { type: 'integer' },
      pendingPairing: { type: 'integer' },
    },
  },
  StatsBucket: {
    type: 'object',
    properties: {
      t: { type: 'integer' },
      messagesIn: { type: 'integer' },
      messagesOut: { type: 'integer' },
      failed: { type: 'integer' },
      sandboxRuns: { type: 'integer' },
      toolCalls: { type: 'integer' },
      queueDepth: { type: 'integer' },
      latencyP50: { type: ['number', 'null'] },
      latencyP99: { type: ['number', 'null'] },
    },
  },
  Stats: {
    type: 'object',
    required: ['now', 'bucketMs', 'buckets'],
    properties: {
      now: { type: 'integer' },
      bucketMs: { type: 'integer' },
      queueDepth: { type: 'integer' },
      active: { type: 'integer' },
      buckets: { type: 'array', items: ref('StatsBucket') },
      totals: { type: 'object', additionalProperties: { type: 'integer' } },
    },
  },
  Approval: {
    type: 'object',
    required: ['id', 'tool', 'args', 'status'],
    properties: {
      id: { type: 'string' },
      tool: { type: 'string' },
      args: { type: 'string', description: 'JSON arguments (secrets redacted)' },
      channel: { type: 'string' },
      conversationKey: { type: 'string' },
      requestedBy: { type: 'string' },
      sandboxed: { type: 'boolean' },
      status: { type: 'string', enum: ['pending', 'approved', 'denied', 'expired'] },
      createdAt: { type: 'integer' },
      expiresAt: { type: 'integer' },
    },
  },
  PairingRequest: {
    type: 'object',
    required: ['code', 'channel', 'senderId'],
    properties: {
      code: { type: 'string' },
      channel: { type: 'string' },
      senderId: { type: 'string' },
      senderName: { type: 'string' },
      status: { type: 'string' },
      createdAt: { type: 'integer' },
      expiresAt: { type: 'integer' },
    },
  },
  Session: {
    type: 'object',
    required: ['id', 'key', 'channel'],
    properties: {
      id: { type: 'integer' },
      key: { type: 'string' },
      channel: { type: 'string' },
      conversationId: { type: 'string' },
      threadId: { type: 'string' },
      chatType: { type: 'string', enum: ['dm', 'group'] },
      userId: { type: 'string' },
      createdAt: { type: 'integer' },
      endedAt: { type: ['integer', 'null'] },
      messages: { type: 'integer' },
      lastAt: { type: ['integer', 'null'] },
    },
  },
  Message: {
    type: 'object',
    required: ['id', 'role'],
    properties: {
      id: { type: 'integer' },
      role: { type: 'string', enum: ['system', 'user', 'assistant', 'tool'] },
      content: { type: ['string', 'null'] },
      senderId: { type: 'string' },
      senderName: { type: 'string' },
      toolCalls: { type: 'array', items: { type: 'object' } },
      toolCallId: { type: 'string' },
      createdAt: { type: 'integer' },
    },
  },
  Tool: {
    type: 'object',
    required: ['name', 'policy'],
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      policy: { type: 'string', enum: ['auto', 'ask', 'deny'] },
      sandboxed: { type: 'boolean' },
      unavailable: { type: 'string', description: 'Why the tool cannot be used now.' },
    },
  },
  ProviderCheck: {
    type: 'object',
    required: ['ok'],
    properties: {
      ok: { type: 'boolean' },
      model: { type: 'string' },
      latencyMs: { type: 'integer' },
      reply: { type: 'string' },
      models: { type: 'array', items: { type: 'string' } },
      error: { type: 'string' },
      fix: { type: 'string' },
    },
  },
  WhatsAppQr: {
    type: 'object',
    required: ['state'],
    properties: {
      state: { type: 'string' },
      qr: { type: 'string', description: 'Raw QR payload' },
      qrDataUrl: { type: 'string', description: 'QR code as a data: URL (PNG)' },
      number: { type: 'string' },
      detail: { type: 'string' },
    },
  },
};

const get = (summary: string, response: Schema, extra: Schema = {}) => ({
  get: { summary, ...extra, responses: { '200': response, ...errors } },
});

const paths: Record<string, Schema> = {
  '/healthz': {
    get: {
      summary: 'Liveness: the process answers',
      security: [],
      responses: { '200': json({ type: 'object', properties: { ok: { type: 'boolean' } } }) },
    },
  },
  '/readyz': {
    get: {
      summary: 'Readiness: database open and channels started (details only with the token)',
      security: [],
      responses: {
        '200': json({ type: 'object', properties: { ready: { type: 'boolean' } } }),
        '503': json({ type: 'object', properties: { ready: { type: 'boolean' } } }, 'Not ready'),
      },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (text exposition format); needs the token',
      responses: {
        '200': {
          description: 'OK',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        ...errors,
      },
    },
  },
  '/openapi.json': {
    get: {
      summary: 'This document as JSON',
      security: [],
      responses: { '200': json({ type: 'object' }) },
    },
  },
  '/openapi.yaml': {
    get: {
      summary: 'This document as YAML',
      security: [],
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/yaml': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/api/status': get('Overview: channels, queue, pending work', json(ref('Status'))),
  '/api/channels': get(
    "Each channel's status",
    json({ type: 'array', items: ref('ChannelStatus') }),
  ),
  '/api/channels/whatsapp/qr': get(
    'WhatsApp pairing state and QR code (only while a whatsapp channel runs)',
    json(ref('WhatsAppQr')),
  ),
  '/api/stats': get('Live figures for the charts (10 s buckets)', json(ref('Stats'))),
  '/api/tools': get(
    'Registered tools and their policies',
    json({ type: 'array', items: ref('Tool') }),
  ),
  '/api/approvals': get(
    'Pending tool-call approvals',
    json({ type: 'array', items: ref('Approval') }),
  ),
  '/api/approvals/{id}': {
    post: {
      summary: 'Answer an approval as the owner (principal admin:web)',
      parameters: [idParam('id', 'Approval id')],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['answer'],
              properties: { answer: { type: 'string', enum: ['approve', 'deny', 'session'] } },
            },
          },
        },
      },
      responses: {
        '200': json({
          type: 'object',
          properties: { ok: { type: 'boolean' }, text: { type: 'string' } },
        }),
        '400': json(ref('Error'), 'Bad request'),
        '409': json(ref('Error'), 'Unknown or already answered'),
        ...errors,
      },
    },
  },
  '/api/pairing': get(
    'Pending pairing requests',
    json({ type: 'array', items: ref('PairingRequest') }),
  ),
  '/api/pairing/{code}': {
    post: {
      summary: 'Approve or reject a pairing request',
      parameters: [idParam('code', 'Pairing code')],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['action'],
              properties: { action: { type: 'string', enum: ['approve', 'reject'] } },
            },
          },
        },
      },
      responses: {
        '200': json({
          type: 'object',
          properties: { ok: { type: 'boolean' }, request: ref('PairingRequest') },
        }),
        '400': json(ref('Error'), 'Bad request'),
        '404': json(ref('Error'), 'Unknown or expired code'),
        ...errors,
      },
    },
  },
  '/api/sessions': get('Recent sessions', json({ type: 'array', items: ref('Session') }), {
    parameters: [
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
      { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
    ],
  }),
  '/api/sessions/{id}': {
    get: {
      summary: "A session's transcript",
      parameters: [idParam('id', 'Session id', 'integer')],
      responses: {
        '200': json({
          type: 'object',
          properties: {
            session: ref('Session'),
            messages: { type: 'array', items: ref('Message') },
          },
        }),
        '404': json(ref('Error'), 'No such session'),
        ...errors,
      },
    },
    delete: {
      summary: 'Purge a session and its messages',
      parameters: [idParam('id', 'Session id', 'integer')],
      responses: {
        '200': json({ type: 'object', properties: { purged: { type: 'boolean' } } }),
        '404': json(ref('Error'), 'No such session'),
        ...errors,
      },
    },
  },
  '/api/export': get(
    'Everything stored about one user (their DMs and their messages in groups), as a JSON download',
    json({ type: 'object' }),
    {
      parameters: [
        { name: 'channel', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'user', in: 'query', required: true, schema: { type: 'string' } },
      ],
    },
  ),
  '/api/provider/ping': {
    post: {
      summary: 'Send a tiny completion to the configured model',
      responses: { '200': json(ref('ProviderCheck')), ...errors },
    },
  },
  '/api/provider/models': get("The provider's model list", json(ref('ProviderCheck'))),
};

export function openApiDocument(version = '0.1.0'): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley operations API',
      version,
      description:
        'Status, approvals, pairing, sessions, provider checks and metrics of a running Parley. ' +
        'Send the access token as `Authorization: Bearer <token>`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'parley_token' },
      },
      responses: {
        Unauthorized: json(ref('Error'), 'Missing or wrong access token'),
      },
    },
  };
}
