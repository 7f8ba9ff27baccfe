/**
 * What the operator console reads of the running app, and the metrics it serves:
 * narrow views, so admin/ depends on services and stores, never on cli/.
 */
import type { Logger } from 'pino';
import type { ApprovalService } from '../agent/approvals.js';
import type { ChatModel } from '../agent/llm.js';
import type { ChannelAdapter } from '../core/contract.js';
import type { AccessStore, SessionStore } from '../sessions/stores.js';
import type { Redactor } from '../tools/redact.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ClusterFacts } from './readiness.js';

/** What the admin routes read; the running app itself (its `url` is set once it listens). */
export interface AdminApp {
  config: { llm: { timeoutMs: number } };
  log: Logger;
  stores: { open: boolean };
  sessions: SessionStore;
  accessStore: AccessStore;
  approvals: ApprovalService;
  tools: ToolRegistry;
  model: ChatModel | undefined;
  redactor: Redactor;
  bridge: { depth: number; active: number };
  channels: ChannelAdapter[];
  url: string;
  startedAt: number;
  providerMissing: string | undefined;
  /** Set on a node of a cluster sharing Postgres (readiness lists the nodes). */
  cluster?: ClusterFacts | undefined;
}

/** The metrics the admin serves: the Prometheus registry and the live chart figures. */
export interface AdminMetrics {
  registry: { contentType: string; metrics(): Promise<string> };
  live: { snapshot(): unknown };
}
