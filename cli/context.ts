/**
 * What the wiring hands to channels, tools and admin routes when it builds them:
 * the validated config, the shared stores and services. Plain data, no globals.
 */
import type { Logger } from 'pino';
import type { AccessPolicy } from '../agent/access.js';
import type { ApprovalService } from '../agent/approvals.js';
import type { ChatModel } from '../agent/llm.js';
import type { Router } from '../agent/router.js';
import type { Bridge } from '../bridge/index.js';
import type { WhatsAppSocketFactory } from '../channels/whatsapp/socket.js';
import type { HttpServer } from '../http/index.js';
import type { AccessStore, SessionStore, Stores } from '../sessions/stores.js';
import type { Redactor } from '../tools/redact.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ParleyConfig } from './config/schema.js';

export interface AppContext {
  config: ParleyConfig;
  log: Logger;
  /** Every store; `sessions` and `accessStore` below are two of them. */
  stores: Stores;
  sessions: SessionStore;
  accessStore: AccessStore;
  access: AccessPolicy;
  approvals: ApprovalService;
  tools: ToolRegistry;
  model: ChatModel | undefined;
  redactor: Redactor;
  /** Undefined when the web server is disabled. */
  http: HttpServer | undefined;
  bridge: Bridge;
  router: Router;
  /** Stands in for Baileys' `makeWASocket` (tests); undefined in production. */
  whatsappSocketFactory?: WhatsAppSocketFactory | undefined;
  /** Functions run on shutdown, last registered first. */
  onStop: (fn: () => Promise<void> | void) => void;
}
