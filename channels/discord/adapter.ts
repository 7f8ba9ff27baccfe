/**
 * The Discord channel: a discord.js 14 gateway client in, REST calls out.
 *
 *   gateway ─► Client (messageCreate, interactionCreate) ─► normalize ─► sink.accept ─► ack
 *   sender (render → chunk 2,000 → throttle → retry) ─► send / edit / typing ─► REST
 *
 * Intents: Guilds, GuildMessages, MessageContent (privileged) and DirectMessages,
 * with the partial `Channel` so DMs arrive. A refused privileged intent (close code
 * 4014) is reported by `status()` and a log line naming the Developer Portal switch.
 *
 * Outbound calls go straight to REST by channel id (no cache needed, so replies
 * resume after a restart): a thread's id is its channel id. The REST client never
 * waits or retries by itself (`rejectOnRateLimit`, `retries: 0`); errors are mapped
 * in errors.ts and the sender's retry step honours `retry_after` exactly.
 *
 * Buttons arrive as interactions: the press is stored first, then acknowledged
 * (by the router through `acknowledgeAction`, or automatically before Discord's
 * 3-second deadline). Slash commands `/ask`, `/reset`, `/status` are registered at
 * start and answered at once with an echo; the reply follows as a normal message.
 *
 * @example
 * ```ts
 * const discord = new DiscordChannel({ token, streaming: 'edit' }, log)
 * await discord.start(bridge.register(discord))
 * ```
 */
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  type CloseEvent,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  Partials,
  Routes,
} from 'discord.js';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelStatus,
  InboundMessage,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../adapter.js';
import { commandEcho, slashCommands } from './commands.js';
import { discordCall } from './errors.js';
import { renderDiscord } from './format.js';
import {
  type NormalizeContext,
  normalizeButton,
  normalizeCommand,
  normalizeMessage,
} from './normalize.js';
import { messageBody, NO_MENTIONS } from './payload.js';
import { closeProblem, problemOf } from './status.js';

export interface DiscordOptions {
  token?: string | undefined;
  /** Account name in conversation keys (default `default`). */
  account?: string;
  /** REST root without version (default https://discord.com/api); the gateway URL is fetched there. */
  apiRoot?: string | undefined;
  /** Show partial answers by editing a draft (`edit`) or send at the end (`none`). */
  streaming?: 'edit' | 'none';
  /** Open a thread on a mention in a server channel and answer there. */
  startThreads?: boolean;
  registerCommands?: boolean;
  /** Register slash commands in this guild only (instant) instead of globally. */
  commandGuildId?: string | undefined;
  /** Application id for commands (default: learnt at login). */
  applicationId?: string | undefined;
  requestTimeoutMs?: number;
  /** Milliseconds before an unanswered button press is acknowledged automatically. */
  autoAckMs?: number;
}

/** Discord answers at most 2,000 characters of `content`. */
export const DISCORD_MAX_LENGTH = 2000;

export class DiscordChannel implements ChannelAdapter {
  readonly id = 'discord';
  readonly capabilities: ChannelCapabilities;
  /** The discord.js client (tests may emit events on it). */
  readonly client: Client;
  private sink: InboundSink | undefined;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };
  private readonly pending = new Map<
    string,
    { interaction: ButtonInteraction; timer: NodeJS.Timeout }
  >();
  private readonly inFlight = new Set<Promise<void>>();

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
      // Discord paces per route bucket (headers); these keep us well inside its global 50/s.
      rateLimits: { perConversationMinMs: 200, global: { max: 45, windowMs: 1000 } },
    };
    this.client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      partials: [Partials.Channel],
      rest: {
        ...(options.apiRoot ? { api: options.apiRoot } : {}),
        retries: 0,
        offset: 0,
        rejectOnRateLimit: () => true,
        timeout: options.requestTimeoutMs ?? 15_000,
      },
    });
  }

  render(markdown: string): string {
    return renderDiscord(markdown);
  }

  status(): ChannelStatus {
    return { ...this.state };
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    if (!this.options.token) {
      this.fail(
        'no bot token configured',
        'Set channels.discord.token or DISCORD_BOT_TOKEN (Developer Portal → your application → Bot → Reset Token).',
      );
      return;
    }
    this.setState({ state: 'starting' });
    this.listen();
    const ready = new Promise<void>((resolve) =>
      this.client.once(Events.ClientReady, () => resolve()),
    );
    try {
      await this.client.login(this.options.token);
      await ready;
    } catch (error) {
      if (this.state.state !== 'error') this.fail(...problemOf(error));
      return;
    }
    this.setState({ state: 'connected', detail: `logged in as ${this.client.user?.tag ?? '?'}` });
    if (this.options.registerCommands !== false) await this.registerCommands();
  }

  async stop(): Promise<void> {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all([...this.inFlight]);
    await this.client.destroy();
    this.setState({ state: 'stopped' });
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const body = messageBody(message, target.replyToMessageId);
    const sent = (await discordCall(() =>
      this.client.rest.post(Routes.channelMessages(channelOf(target)), { body }),
    )) as { id: string };
    return { messageId: sent.id };
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const body = messageBody(message);
    await discordCall(() =>
      this.client.rest.patch(Routes.channelMessage(channelOf(target), messageId), { body }),
    );
  }

  async typing(target: OutboundTarget): Promise<void> {
    await discordCall(() => this.client.rest.post(Routes.channelTyping(channelOf(target))));
  }

  /** Answers a button press: the spinner stops; the result is posted by the router. */
  async acknowledgeAction(message: InboundMessage): Promise<void> {
    const id = message.action?.callbackId;
    const entry = id ? this.pending.get(id) : undefined;
    if (!entry || !id) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    await this.deferUpdate(entry.interaction);
  }

  private listen(): void {
    const { client } = this;
    client.on(Events.MessageCreate, (message) => this.track(this.onMessage(message)));
    client.on(Events.InteractionCreate, (interaction) =>
      this.track(this.onInteraction(interaction)),
    );
    client.on(Events.ShardDisconnect, (event: CloseEvent) => this.onClose(event.code));
    client.on(Events.ShardReconnecting, () =>
      this.setState({ state: 'starting', detail: 'reconnecting to the gateway' }),
    );
    client.on(Events.ShardResume, () => this.setState({ state: 'connected', detail: 'resumed' }));
    client.on(Events.Error, (error) => this.log.error({ err: error }, 'discord client error'));
    client.on(Events.Warn, (warning) => this.log.warn({ warning }, 'discord warning'));
  }

  private context(): NormalizeContext | undefined {
    const botId = this.client.user?.id;
    return botId ? { botId, account: this.options.account ?? 'default' } : undefined;
  }

  private async onMessage(message: Message): Promise<void> {
    const context = this.context();
    let inbound = context ? normalizeMessage(message, context) : undefined;
    if (!inbound) return;
    if (
      this.options.startThreads &&
      inbound.chatType === 'group' &&
      inbound.mentionsBot &&
      !inbound.threadId &&
      !inbound.sender.isBot
    )
      inbound = await this.openThread(inbound);
    await this.deliver(inbound);
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    const context = this.context();
    if (!context) return;
    if (interaction.isButton()) return this.onButton(interaction, context);
    if (interaction.isChatInputCommand()) return this.onCommand(interaction, context);
  }

  private async onButton(interaction: ButtonInteraction, context: NormalizeContext): Promise<void> {
    const timer = setTimeout(() => {
      if (this.pending.delete(interaction.id)) void this.deferUpdate(interaction);
    }, this.options.autoAckMs ?? 2000);
    this.pending.set(interaction.id, { interaction, timer });
    await this.deliver(normalizeButton(interaction, context));
  }

  private async onCommand(
    interaction: ChatInputCommandInteraction,
    context: NormalizeContext,
  ): Promise<void> {
    const inbound = normalizeCommand(interaction, context);
    if (!(await this.deliver(inbound))) return;
    await interaction
      .reply({
        content: commandEcho(interaction.commandName, inbound.text),
        allowedMentions: NO_MENTIONS,
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not answer a slash command'));
  }

  /** Hands a message to the bridge; true once it is stored. */
  private async deliver(message: InboundMessage): Promise<boolean> {
    try {
      await this.sink?.accept(message);
      return this.sink !== undefined;
    } catch (error) {
      this.log.error(
        { err: error, id: message.platformMessageId },
        'could not store a Discord message',
      );
      return false;
    }
  }

  /** Opens a thread on the mentioning message; the conversation moves into it. */
  private async openThread(message: InboundMessage): Promise<InboundMessage> {
    const name = (message.text.split('\n')[0] || 'Parley').slice(0, 80);
    try {
      const thread = (await discordCall(() =>
        this.client.rest.post(Routes.threads(message.conversationId, message.platformMessageId), {
          body: { name, auto_archive_duration: 1440 },
        }),
      )) as { id: string };
      return { ...message, threadId: thread.id };
    } catch (error) {
      this.log.warn({ err: error }, 'could not open a thread; answering in the channel');
      return message;
    }
  }

  private async deferUpdate(interaction: ButtonInteraction): Promise<void> {
    if (interaction.deferred || interaction.replied) return;
    await discordCall(() => interaction.deferUpdate()).catch((error: unknown) =>
      this.log.warn({ err: error }, 'could not acknowledge a button press'),
    );
  }

  private async registerCommands(): Promise<void> {
    const appId = this.options.applicationId ?? this.client.application?.id;
    if (!appId) return;
    const route = this.options.commandGuildId
      ? Routes.applicationGuildCommands(appId, this.options.commandGuildId)
      : Routes.applicationCommands(appId);
    await discordCall(() => this.client.rest.put(route, { body: slashCommands })).catch(
      (error: unknown) =>
        this.log.warn(
          { err: error },
          'could not register slash commands /ask /reset /status; invite the bot with the applications.commands scope',
        ),
    );
  }

  private onClose(code: number): void {
    const problem = closeProblem(code);
    if (problem) this.fail(...problem);
    else this.setState({ state: 'stopped', detail: `gateway closed (${code})` });
  }

  private fail(detail: string, fix: string): void {
    this.setState({ state: 'error', detail, fix });
    this.log.error({ fix }, `Discord: ${detail}. Fix: ${fix}`);
  }

  private setState(state: Omit<ChannelStatus, 'since'>): void {
    this.state = { ...state, since: Date.now() };
  }

  private track(run: Promise<void>): void {
    const tracked = run
      .catch((error: unknown) => this.log.error({ err: error }, 'discord event handler failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** The channel id a target's messages go to: the thread when there is one. */
function channelOf(target: OutboundTarget): string {
  return target.threadId ?? target.conversationId;
}
