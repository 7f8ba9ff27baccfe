/**
 * The access policy, applied to every inbound message before anything else:
 *
 * - groups: silent unless the bot is mentioned or replied to (`groupPolicy: mention`),
 *   and then only for owners and allowed senders (strangers may DM for pairing);
 * - DMs: owners and allowed senders pass; strangers get a pairing code the owner
 *   approves with `parley pairing approve <code>` (`dmPolicy: pairing`), are ignored
 *   (`allowlist`), or pass (`open`);
 * - channels that authenticate their users themselves (web token, local terminal)
 *   let their senders pass.
 */

import type { InboundMessage } from '../core/contract.js';
import type { PairingRequest } from '../sessions/records.js';
import type { AccessStore } from '../sessions/stores.js';
import type { AccessConfig } from './config.js';

export type AccessDecision =
  | { kind: 'allow'; role: 'owner' | 'allowed' | 'guest' }
  | { kind: 'ignore'; reason: string }
  | { kind: 'pair'; request: PairingRequest };

export const principalOf = (message: Pick<InboundMessage, 'channel' | 'sender'>) =>
  `${message.channel}:${message.sender.id}`;

export class AccessPolicy {
  private readonly owners: Set<string>;
  private readonly allowed: Set<string>;

  constructor(
    private readonly config: AccessConfig,
    private readonly store: AccessStore,
    /** Principals that are owners by construction (the local terminal, the admin page). */
    builtInOwners: string[] = [],
  ) {
    this.owners = new Set([...config.owners, ...builtInOwners]);
    this.allowed = new Set(config.allow);
  }

  isOwner(principal: string): boolean {
    return this.owners.has(principal);
  }

  async role(
    message: InboundMessage,
    preauthenticated: boolean,
  ): Promise<'owner' | 'allowed' | undefined> {
    const principal = principalOf(message);
    if (this.owners.has(principal)) return 'owner';
    if (
      preauthenticated ||
      this.allowed.has(principal) ||
      (await this.store.isAllowed(message.channel, message.sender.id))
    )
      return 'allowed';
    return undefined;
  }

  /** Whether a group message addresses the bot at all (before asking who sent it). */
  addressed(message: InboundMessage): boolean {
    if (message.chatType === 'dm' || message.action) return true;
    if (this.config.groupPolicy === 'off') return false;
    if (this.config.groupPolicy === 'always') return true;
    return message.mentionsBot || message.repliesToBot;
  }

  async check(message: InboundMessage, preauthenticated: boolean): Promise<AccessDecision> {
    if (message.sender.isBot) return { kind: 'ignore', reason: 'sender is a bot' };
    if (!this.addressed(message))
      return { kind: 'ignore', reason: 'group message not addressed to the bot' };
    const role = await this.role(message, preauthenticated);
    if (role) return { kind: 'allow', role };
    if (message.chatType === 'group')
      return { kind: 'ignore', reason: 'group sender is not allowed' };
    if (this.config.dmPolicy === 'open') return { kind: 'allow', role: 'guest' };
    if (this.config.dmPolicy === 'allowlist')
      return { kind: 'ignore', reason: 'sender not on the allowlist' };
    const ttl = this.config.pairingTtlMinutes * 60_000;
    return {
      kind: 'pair',
      request: await this.store.requestPairing(
        message.channel,
        message.sender.id,
        message.sender.name,
        ttl,
      ),
    };
  }
}

/** The reply a stranger gets with their pairing code. */
export function pairingText(request: PairingRequest): string {
  return [
    "Hi! I don't know you yet, so I can't chat with you until my owner approves.",
    `Your pairing code is **${request.code}** (your id: ${request.channel}:${request.senderId}).`,
    `Ask the owner to run \`parley pairing approve ${request.code}\`, then write to me again.`,
  ].join('\n');
}
