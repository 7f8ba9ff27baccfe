/**
 * Which configured model a conversation asks first: its own choice (`/model <name>`,
 * kept in the meta store under `model:<conversation key>`), else its channel's
 * (`llm.channels`), else `llm.model`. The other models stay fallbacks in config order.
 */
import type { MetaStore } from '../../sessions/stores.js';
import type { LlmConfig } from '../config.js';
import { modelNames } from './providers.js';

const keyOf = (conversationKey: string) => `model:${conversationKey}`;

export class ModelChoice {
  readonly names: string[];

  constructor(
    private readonly llm: LlmConfig,
    private readonly meta: MetaStore | undefined,
  ) {
    this.names = modelNames(llm);
  }

  /** The channel's model (or the primary): what `/model default` goes back to. */
  channelDefault(channel: string): string {
    return this.llm.channels[channel] ?? this.names[0]!;
  }

  /** The model the conversation asks first. A stored name no longer configured is ignored. */
  async current(conversationKey: string, channel: string): Promise<string> {
    const chosen = await this.meta?.get(keyOf(conversationKey));
    return chosen && this.names.includes(chosen) ? chosen : this.channelDefault(channel);
  }

  /** Stores the conversation's choice; `undefined` goes back to the channel's default. */
  async choose(conversationKey: string, name: string | undefined): Promise<void> {
    if (!this.meta) throw new Error('no store for per-conversation model choices');
    await this.meta.set(keyOf(conversationKey), name ?? '');
  }
}
