/** The shapes of the admin API answers the page renders (see the OpenAPI document at `/api/openapi.json`). */

export interface ChannelStatus {
  id: string;
  state: string;
  since: number;
  detail?: string;
  fix?: string;
  /** The last failure seen on the channel, kept after it recovered. */
  lastError?: { message: string; fix?: string; at: number };
}

export interface Status {
  model: string;
  uptimeSeconds: number;
  queue: { depth: number; active: number };
  channels: ChannelStatus[];
  cluster?: {
    nodeId: string;
    role: string;
    nodes: { nodeId: string; role: string; leases: string[]; lanes: number }[];
  };
}

export interface Approval {
  id: string;
  tool: string;
  args: string;
  requestedBy: string;
  sandboxed: boolean;
  expiresAt: number;
}

export interface PairingRequest {
  code: string;
  channel: string;
  senderId: string;
  senderName?: string;
}

export interface StatsBucket {
  /** Bucket start, ms since epoch. */
  t: number;
  messagesIn: number;
  sandboxRuns: number;
  queueDepth: number;
  latencyP50: number | null;
  latencyP99: number | null;
}

export interface Stats {
  bucketMs: number;
  queueDepth: number;
  buckets: StatsBucket[];
  totals: Record<string, number>;
}

export interface Tool {
  name: string;
  description: string;
  policy: string;
  sandboxed: boolean;
  unavailable?: string;
}

export interface McpServer {
  name: string;
  transport: 'stdio' | 'http';
  state: string;
  tools: string[];
  error?: string;
  failures: number;
  since: string;
  nextRetryAt?: string;
}

export interface Session {
  id: number;
  key: string;
  channel: string;
  chatType?: string;
  userId?: string;
  endedAt?: number | null;
  messages?: number;
  lastAt?: number | null;
}

export interface Message {
  role: string;
  content?: string | null;
  senderName?: string;
  toolCalls?: { function: { name: string; arguments: string } }[];
}

export interface ProviderCheck {
  ok: boolean;
  model?: string;
  reply?: string;
  latencyMs?: number;
  models?: string[];
  error?: string;
  fix?: string;
}

export interface WhatsAppQr {
  state: string;
  qr?: string;
  qrDataUrl?: string;
  number?: string;
  detail?: string;
}

export interface UsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  tokens: number;
  cost: number;
  unpricedCalls: number;
}

export interface UsageRow extends UsageTotals {
  key: string | null;
}

export interface BudgetStatus {
  name: string;
  configKey: string;
  unit: 'tokens' | 'cost';
  limit: number;
  used: number;
  fraction: number;
  resetsAt: number;
}

export interface UsageReport {
  currency: string;
  today: UsageTotals;
  month: UsageTotals;
  byUser: UsageRow[];
  byChannel: UsageRow[];
  byModel: UsageRow[];
  byDay: UsageRow[];
  budgets: BudgetStatus[];
}

export interface JobRun {
  dueAt: number;
  outcome: string;
  promptTokens: number;
  completionTokens: number;
  cost: number | null;
  error?: string;
  note?: string;
}

export interface Jobs {
  enabled: boolean;
  jobs: {
    id: number;
    owner: string;
    conversationKey: string;
    instruction: string;
    state: string;
    nextRunAt: number | null;
    runs: JobRun[];
  }[];
}

export interface NodeRow {
  nodeId: string;
  role: string;
  self: boolean;
  seenMsAgo: number;
  leases: string[];
  channels: string[];
  scheduler: boolean;
  lanes: number;
  queueShare: number | null;
}

export interface Nodes {
  clustered: boolean;
  nodes: NodeRow[];
}
