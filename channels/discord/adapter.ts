/**
 * The Discord channel adapter: what the bridge sees of Discord.
 *
 *   gateway ─► connection (discord.js) ─► normalize ─► sink.accept ─► ack
 *   sender (render → chunk 2,000 → throttle → retry) ─► send / edit / typing ─► REST
 *
 * This shell declares the capabilities (2,000 characters, Discord Markdown, edits,
 * buttons, threads, typing, streaming by editing a draft or not at all) and keeps
 * the status; the discord.js client lives in connection.ts, imported on `start`, so
 * a Parley without Discord never loads discord.js. A node that does not hold the
 * gateway (a worker, or a node whose connection lease moved) sends through a
 * REST-only client instead.
 *
 * Intents: Guilds, GuildMessages, MessageContent (privileged) and DirectMessages,
 * with the partial `Channel` so DMs arrive. A refused privileged intent (close code
 * 4014) is reported by `status()` and a log line naming the Developer Portal switch.
 *
 * @example
 * ```ts
 * const discord = new DiscordChannel({ token, streaming: 'edit' }, log)
 * await discord.start(bridge.register(discord))
 * ```
 */
import type { Client } from 'discord.js';
import type { Logger } from 'pino';
import type {
  ActionAnswer,
  ChannelAdapter,
  ChannelCapabilities,
  ChannelStatus,
  InboundMessage,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';
import type { TreeError } from '../../core/errors.js';
import type { DiscordConnection } from './connection.js';
import { renderDiscord } from './format.js';
import type { DiscordOptions } from './options.js';

/** Discord answers at most 2,000 characters of `content`. */
export const DISCORD_MAX_LENGTH = 2000;

export class DiscordChannel implements ChannelAdapter {
  readonly id = 'discord';
  readonly capabilities: ChannelCapabilities;
  private connection: DiscordConnection | undefined;
  /** REST only, for sends while this node does not hold the gateway (a worker). */
  private sendOnly: Promise<DiscordConnection> | undefined;
  private restOnly: DiscordConnection | undefined;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(
    private readonly options: DiscordOptions,
    private readonly log: Logger,
  ) {
    this.capabilities = {
      maxMessageLength: DISCORD_MAX_LENGTH,
      format: 'markdown',
      edits: true,
      buttons: true,
      threads: true,
      typing: true,
      streaming: options.streaming ?? 'edit',
      connection: 'exclusive',
      // Discord allows 5 messages per 5 s in one channel and 50 requests/s in all; pacing
      // at those numbers avoids 429s (and the invalid-request count that leads to bans).
      rateLimits: {
        perConversationMinMs: 200,
        perGroup: { max: 5, windowMs: 5000 },
        global: { max: 45, windowMs: 1000 },
      },
    };
  }

  /** The discord.js client once started (tests may emit events on it). */
  get client(): Client | undefined {
    return this.connection?.client;
  }

  render(markdown: string): string {
    return renderDiscord(markdown);
  }

  status(): ChannelStatus {
    return { ...this.state };
  }

  async start(sink: InboundSink): Promise<void> {
    if (!this.options.token) {
      this.fail(
        'no bot token configured',
        'Set channels.discord.token or DISCORD_BOT_TOKEN (Developer Portal → your application → Bot → Reset Token).',
      );
      return;
    }
    this.setState({ state: 'starting' });
    const { DiscordConnection } = await import('./connection.js');
    this.connection = new DiscordConnection(this.options, this.log, sink, {
      set: (state) => this.setState(state),
      fail: (detail, fix) => this.fail(detail, fix),
    });
    await this.connection.start();
  }

  /** Discord's mapper (errors.ts), reached through the connection so discord.js loads lazily. */
  mapError(error: unknown): TreeError | undefined {
    return (this.connection ?? this.restOnly)?.mapError(error);
  }

  async stop(): Promise<void> {
    await this.connection?.stop();
    this.connection = undefined;
    this.setState({ state: 'stopped' });
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    return (await this.live()).send(target, message);
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    return (await this.live()).edit(target, messageId, message);
  }

  async typing(target: OutboundTarget): Promise<void> {
    return (await this.live()).typing(target);
  }

  /** Answers a button press: the spinner stops; the result is posted by the router. */
  async acknowledgeAction(message: InboundMessage, answer?: ActionAnswer): Promise<void> {
    await this.connection?.acknowledge(message, answer?.final === true);
  }

  /** The gateway connection when started here, else a REST-only one (made once). */
  private async live(): Promise<DiscordConnection> {
    if (this.connection) return this.connection;
    if (!this.options.token) throw new Error('the Discord channel has no bot token');
    this.sendOnly ??= import('./connection.js').then(({ DiscordConnection }) => {
      this.restOnly = DiscordConnection.sendOnly(this.options, this.log);
      return this.restOnly;
    });
    return this.sendOnly;
  }

  private fail(detail: string, fix: string): void {
    this.setState({ state: 'error', detail, fix });
    this.log.error({ fix }, `Discord: ${detail}. Fix: ${fix}`);
  }

  private setState(state: Omit<ChannelStatus, 'since'>): void {
    this.state = { ...state, since: Date.now() };
  }
}

export type { DiscordOptions } from './options.js';
