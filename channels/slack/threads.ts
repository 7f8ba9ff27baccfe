/**
 * Threads the bot takes part in. A Slack thread is one session: once the bot was
 * mentioned in a thread, or answered in it, later messages there are addressed to it
 * without another @mention (as people expect of a bot in a thread).
 *
 * `message.channels` events do not say whether the bot is in a thread:
 * `parent_user_id` is the thread starter, usually a person. So the adapter remembers
 * the threads it was mentioned or posted in, and asks Slack once
 * (`conversations.replies`) about a thread it does not know, e.g. after a restart.
 * Both answers are cached in a bounded map, so one thread costs at most one call.
 */

import { BoundedCache } from '../../core/bounded-cache.js';

/** Looks the thread up on Slack: did the bot post in it? */
export type ThreadLookup = (channel: string, threadTs: string) => Promise<boolean>;

export class BotThreads {
  private readonly known: BoundedCache<boolean>;

  constructor(
    private readonly lookup: ThreadLookup,
    capacity = 5000,
  ) {
    this.known = new BoundedCache(capacity);
  }

  /** The bot was mentioned or posted in this thread. */
  remember(channel: string, threadTs: string): void {
    this.known.set(`${channel}:${threadTs}`, true);
  }

  /** True when the bot is known (without asking Slack) to take part in the thread. */
  knows(channel: string, threadTs: string): boolean {
    return this.known.get(`${channel}:${threadTs}`) === true;
  }

  /** True when the bot takes part in the thread; a failed lookup counts as no. */
  async includesBot(channel: string, threadTs: string): Promise<boolean> {
    const key = `${channel}:${threadTs}`;
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const found = await this.lookup(channel, threadTs).catch(() => false);
    // A remember() during the lookup wins over a negative answer.
    const answer = this.known.get(key) ?? found;
    this.known.set(key, answer);
    return answer;
  }
}
