/**
 * Which queue mode and debounce a conversation uses: its own choice (`/queue <mode>`,
 * kept in the meta store under `queue:<conversation key>`, like `/model`), else its
 * channel's (`queue.channels`), else `queue.mode` / `queue.debounceMs`. The bridge asks
 * when it schedules a message and when a turn starts; the router's `/queue` writes it.
 *
 * @example
 * ```ts
 * const modes = new QueueModes(config.queue, stores.meta)
 * await modes.of('telegram:bot:42', 'telegram')   // { mode: 'collect', debounceMs: 500 }
 * await modes.choose('telegram:bot:42', 'interrupt')
 * ```
 */
import type { MetaStore } from '../sessions/stores.js';
import { type QueueConfig, type QueueMode, queueModes } from './config.js';

export interface QueuePolicy {
  mode: QueueMode;
  debounceMs: number;
}

type ModesConfig = Pick<QueueConfig, 'mode' | 'debounceMs' | 'channels'>;

const keyOf = (conversationKey: string) => `queue:${conversationKey}`;

export const isQueueMode = (value: string): value is QueueMode =>
  (queueModes as readonly string[]).includes(value);

export class QueueModes {
  constructor(
    private readonly config: ModesConfig,
    private readonly meta?: MetaStore,
  ) {}

  /** The channel's mode and debounce: what `/queue default` goes back to. */
  channelDefault(channel: string): QueuePolicy {
    const own = this.config.channels[channel];
    return {
      mode: own?.mode ?? this.config.mode,
      debounceMs: own?.debounceMs ?? this.config.debounceMs,
    };
  }

  /** The conversation's policy; a stored mode that is no longer valid is ignored. */
  async of(conversationKey: string, channel: string): Promise<QueuePolicy> {
    const base = this.channelDefault(channel);
    const chosen = await this.meta?.get(keyOf(conversationKey));
    return chosen && isQueueMode(chosen) ? { ...base, mode: chosen } : base;
  }

  /** Stores the conversation's mode; `undefined` goes back to the channel's. */
  async choose(conversationKey: string, mode: QueueMode | undefined): Promise<void> {
    if (!this.meta) throw new Error('no store for per-conversation queue modes');
    await this.meta.set(keyOf(conversationKey), mode ?? '');
  }
}

/** Every conversation in `followup`, at once: a bridge built without modes. */
export const followupOnly = new QueueModes({ mode: 'followup', debounceMs: 0, channels: {} });
