/**
 * The last error of each channel, kept for the console after the channel
 * recovered, with how to fix it. Two sources:
 *
 *   channel.status() in state `error`/`logged_out` ─► its detail and fix (seen when
 *                                                     the status is read)
 *   bridge event `failed` (a reply not delivered)  ─► the error, and a fix read
 *                                                     from its status or code
 */
import type { ChannelStatus } from '../core/contract.js';

export interface ChannelError {
  message: string;
  fix?: string;
  at: number;
}

export class ChannelErrors {
  private readonly last = new Map<string, ChannelError>();

  /** Remembers a status that reports a failure. */
  fromStatus(channel: string, status: ChannelStatus): void {
    if (status.state !== 'error' && status.state !== 'logged_out') return;
    const message = status.detail ?? status.state;
    const known = this.last.get(channel);
    if (known?.message === message && known.at === status.since) return;
    this.last.set(channel, {
      message,
      at: status.since,
      ...(status.fix ? { fix: status.fix } : {}),
    });
  }

  /** Remembers a reply that could not be delivered. */
  deliveryFailed(channel: string, error: string, at = Date.now()): void {
    this.last.set(channel, {
      message: `a reply could not be delivered: ${error}`,
      fix: deliveryFix(error),
      at,
    });
  }

  get(channel: string): ChannelError | undefined {
    return this.last.get(channel);
  }
}

/** What to do about a failed delivery, read from the error's status code or cause. */
export function deliveryFix(error: string): string {
  if (/\b401\b|unauthori[sz]ed|invalid[^.]*token/i.test(error))
    return "The platform refused the bot's credentials: check this channel's token (parley.yaml or its environment variable) and restart Parley.";
  if (/\b403\b|forbidden|not enough rights|missing permissions/i.test(error))
    return 'The bot may not post there: add it back to the chat or give it permission to send messages.';
  if (/\b429\b|rate.?limit|too many requests/i.test(error))
    return 'The platform rate-limited the bot and Parley gave up retrying: send fewer messages or raise the limit with the platform.';
  if (/ECONN|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|network|socket hang up/i.test(error))
    return 'Parley could not reach the platform: check the network, DNS and any proxy between them.';
  return "Look in Parley's log at this time for the full error.";
}
