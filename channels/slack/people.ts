/**
 * Who is writing, and what was said before the bot was called into a thread.
 *
 * Slack events name the sender only by id (`user_profile` comes with some message
 * events, not with `app_mention`), so names are looked up once with `users.info`
 * and kept in a bounded cache for an hour. When someone mentions the bot inside a
 * thread the bot has not taken part in, the thread so far (`conversations.replies`)
 * is put before the message, so the model knows what "this" refers to.
 */
import { BoundedCache } from '../../core/bounded-cache.js';
import type { InboundMessage } from '../../core/contract.js';
import { cleanText } from './normalize.js';

/** The slice of the Web API this needs (a WebClient satisfies it). */
export interface PeopleApi {
  users: {
    info(args: { user: string }): Promise<{
      user?: {
        name?: string;
        real_name?: string;
        profile?: { display_name?: string; real_name?: string };
      };
    }>;
  };
  conversations: {
    replies(args: { channel: string; ts: string; limit?: number }): Promise<{
      messages?: { user?: string; bot_id?: string; text?: string; ts?: string }[];
    }>;
  };
}

const NAME_TTL_MS = 60 * 60_000;
/** Thread messages given as context, newest kept; each cut to a few lines. */
const CONTEXT_MESSAGES = 20;
const CONTEXT_CHARS = 500;

export class SlackPeople {
  private readonly names: BoundedCache<{ name: string | undefined }>;

  constructor(
    private readonly api: PeopleApi,
    private readonly botUserId: () => string | undefined,
    capacity = 5000,
  ) {
    this.names = new BoundedCache(capacity, NAME_TTL_MS);
  }

  /** The person's display name, from cache or `users.info`; undefined when unknown. */
  async nameOf(userId: string): Promise<string | undefined> {
    const cached = this.names.get(userId);
    if (cached) return cached.name;
    const result = await this.api.users.info({ user: userId }).catch(() => undefined);
    const user = result?.user;
    const name =
      user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name;
    this.names.set(userId, { name });
    return name;
  }

  /** Fills in the sender's name when the event did not carry it. */
  async name(message: InboundMessage): Promise<void> {
    if (message.sender.name) return;
    const name = await this.nameOf(message.sender.id);
    if (name) message.sender.name = name;
  }

  /**
   * Puts the thread so far (up to the message itself, the bot's own posts left out)
   * before the message's text. A failed lookup leaves the message as it is.
   */
  async withThreadContext(message: InboundMessage, ts: string): Promise<void> {
    const { threadId } = message;
    if (!threadId || threadId === ts) return;
    const result = await this.api.conversations
      .replies({ channel: message.conversationId, ts: threadId, limit: 200 })
      .catch(() => undefined);
    const bot = this.botUserId();
    const earlier = (result?.messages ?? [])
      .filter((m) => m.ts && m.ts < ts && !m.bot_id && m.user && m.user !== bot && m.text)
      .slice(-CONTEXT_MESSAGES);
    if (earlier.length === 0) return;
    const lines: string[] = [];
    for (const m of earlier) {
      const who = (await this.nameOf(m.user!)) ?? m.user!;
      const text = cleanText(m.text!, bot ?? '')
        .replace(/\s+/g, ' ')
        .slice(0, CONTEXT_CHARS);
      lines.push(`${who}: ${text}`);
    }
    message.text = `[Earlier in this thread]\n${lines.join('\n')}\n[Message]\n${message.text}`;
  }
}
