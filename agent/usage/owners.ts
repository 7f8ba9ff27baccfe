/**
 * Where owners are told about usage: the DM in which each owner last wrote to the
 * agent. A chat's DM id is not always the sender id (Slack and Discord open a DM
 * channel), so the router remembers the reply target of an owner's DM as it sees
 * one (stored in the meta store, so a restart keeps it), and alerts go there.
 *
 * @example
 * ```ts
 * const owners = new OwnerChats(stores.meta, (channel, target, text) => bridge.sender(channel).send(target, text))
 * await owners.remember('telegram:42', target) // from the router, on an owner's DM
 * await owners.notify('Usage warning: …')
 * ```
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { MetaStore } from '../../sessions/stores.js';

type Send = (channel: string, target: OutboundTarget, text: string) => Promise<unknown>;

const keyOf = (principal: string) => `owner-dm:${principal}`;

export class OwnerChats {
  /** principal → target, as last stored (skips rewriting an unchanged one). */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly meta: MetaStore,
    private readonly send: Send,
    /** Failures to deliver to one owner (the others still get the message). */
    private readonly onError: (error: unknown, principal: string) => void = () => {},
  ) {}

  /** Notes `target` (a DM) as where owner `principal` is reached. */
  async remember(principal: string, target: OutboundTarget): Promise<void> {
    const { account, conversationId, threadId } = target;
    const value = JSON.stringify({ account, conversationId, threadId, chatType: 'dm' });
    if (this.known.get(principal) === value) return;
    this.known.set(principal, value);
    await this.meta.set(keyOf(principal), value);
  }

  /** Sends `text` to every owner of `principals` whose DM is known; returns how many got it. */
  async notify(principals: Iterable<string>, text: string): Promise<number> {
    let sent = 0;
    for (const principal of principals) {
      const stored = this.known.get(principal) ?? (await this.meta.get(keyOf(principal)));
      if (!stored) continue;
      const channel = principal.slice(0, principal.indexOf(':'));
      try {
        await this.send(channel, JSON.parse(stored) as OutboundTarget, text);
        sent++;
      } catch (error) {
        this.onError(error, principal);
      }
    }
    return sent;
  }
}
