/** The shapes of the admin API answers the page renders (see the OpenAPI document at `/api/openapi.json`). */

export interface ChannelStatus {
  id: string;
  state: string;
  since: number;
  detail?: string;
  fix?: string;
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
