/**
 * The live side of the Discord channel, loaded only when the channel starts (so
 * Parley does not pay for importing discord.js unless Discord is enabled): the
 * discord.js client, its gateway events, and the REST calls behind the adapter.
 *
 *   gateway ─► Client (messageCreate, interactionCreate) ─► normalize ─► sink.accept ─► ack
 *   gateway ─► Client (messageUpdate) ─► normalize ─► sink.edited (a message still
 *              waiting for its turn takes the new text; later edits are ignored)
 *   adapter.send / edit / typing ─► REST by channel id (a thread's id is its channel id)
 *
 * On `/channels/…` routes the REST client never waits or retries by itself
 * (`rejectOnRateLimit`, `retries: 0`): errors are mapped in errors.ts and the
 * sender's retry step honours `retry_after`. Button presses are stored first, then
 * acknowledged by the router (`acknowledge`) or automatically before Discord's
 * 3-second deadline; slash commands are answered at once with an echo.
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
  type PartialMessage,
  Partials,
  Routes,
} from 'discord.js';
import type { Logger } from 'pino';
import type {
  ChannelStatus,
  InboundMessage,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';
import { conversationKey } from '../../core/contract.js';
import { downloadAttachment } from '../shared/download.js';
import { commandEcho, slashCommands } from './commands.js';
import { discordCall, toParleyError } from './errors.js';
import {
  type NormalizeContext,
  normalizeButton,
  normalizeCommand,
  normalizeMessage,
} from './normalize.js';
import type { DiscordOptions } from './options.js';
import { messageBody, NO_MENTIONS } from './payload.js';
import { closeProblem, problemOf } from './status.js';

/** How the connection reports its health to the adapter. */
export interface StatusReport {
  set(state: Omit<ChannelStatus, 'since'>): void;
  /** An error an operator must fix: logged once, shown by `status()`. */
  fail(detail: string, fix: string): void;
}

export class DiscordConnection {
  readonly client: Client;
  /** Discord's error mapper, for the sender's mapErrors step. */
  readonly mapError = toParleyError;
  private readonly pending = new Map<
    string,
    { interaction: ButtonInteraction; timer: NodeJS.Timeout }
  >();
  private readonly inFlight = new Set<Promise<void>>();
  /** The last message being handled per Discord channel: the next one waits for it. */
  private readonly inOrder = new Map<string, Promise<void>>();
  /** Set once a gateway close was explained to the operator. */
  private explained = false;

  constructor(
    private readonly options: DiscordOptions,
    private readonly log: Logger,
    private readonly sink: InboundSink,
    private readonly report: StatusReport,
  ) {
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
        // Message routes go through the sender's retry step; other calls (interaction
        // callbacks, command registration, login) let discord.js wait by itself.
        rejectOnRateLimit: (limit) => limit.route.startsWith('/channels/'),
        timeout: options.requestTimeoutMs ?? 15_000,
      },
    });
  }

  /**
   * A connection that only calls REST and never opens the gateway: what a worker node
   * sends replies with while another node holds the gateway (docs/scale-out.md).
   */
  static sendOnly(options: DiscordOptions, log: Logger): DiscordConnection {
    const refuse: InboundSink = {
      accept: () => Promise.reject(new Error('a send-only Discord connection receives nothing')),
    };
    const quiet: StatusReport = { set: () => {}, fail: () => {} };
    const connection = new DiscordConnection(options, log, refuse, quiet);
    connection.client.rest.setToken(options.token ?? '');
    return connection;
  }

  /** Logs in and waits until the guilds are loaded; failures end up in the status. */
  async start(): Promise<boolean> {
    this.listen();
    const ready = new Promise<void>((resolve) =>
      this.client.once(Events.ClientReady, () => resolve()),
    );
    try {
      await this.client.login(this.options.token ?? '');
      await ready;
    } catch (error) {
      if (!this.explained) this.report.fail(...problemOf(error));
      return false;
    }
    this.reportLoggedIn();
    if (this.options.registerCommands !== false) await this.registerCommands();
    return true;
  }

  async stop(): Promise<void> {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all([...this.inFlight]);
    await this.client.destroy();
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

  /**
   * Answers a button press: the spinner stops; the result is posted by the router. A
   * `final` answer also takes the buttons off the message: in the interaction's own
   * response (UPDATE_MESSAGE) while it is unanswered, else by editing the message.
   */
  async acknowledge(message: InboundMessage, final = false): Promise<void> {
    const id = message.action?.callbackId;
    const entry = id ? this.pending.get(id) : undefined;
    if (entry && id) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      if (final) return this.removeButtons(() => entry.interaction.update({ components: [] }));
      return this.deferUpdate(entry.interaction);
    }
    const messageId = message.action?.messageId;
    if (!final || !messageId) return;
    const channel = message.threadId ?? message.conversationId;
    await this.removeButtons(() =>
      this.client.rest.patch(Routes.channelMessage(channel, messageId), {
        body: { components: [] },
      }),
    );
  }

  private async removeButtons(call: () => Promise<unknown>): Promise<void> {
    await discordCall(call).catch((error: unknown) =>
      this.log.warn({ err: error }, 'could not remove the buttons of a decided request'),
    );
  }

  private reportLoggedIn(): void {
    this.report.set({ state: 'connected', detail: `logged in as ${this.client.user?.tag ?? '?'}` });
  }

  private listen(): void {
    const { client } = this;
    client.on(Events.MessageCreate, (message) => this.track(this.inChannelOrder(message)));
    client.on(Events.MessageUpdate, (_old, updated) => this.track(this.onEdit(updated)));
    client.on(Events.InteractionCreate, (interaction) =>
      this.track(this.onInteraction(interaction)),
    );
    client.on(Events.ShardDisconnect, (event: CloseEvent) => this.onClose(event.code));
    client.on(Events.ShardReconnecting, () =>
      this.report.set({ state: 'starting', detail: 'reconnecting to the gateway' }),
    );
    client.on(Events.ShardResume, () => this.report.set({ state: 'connected', detail: 'resumed' }));
    // A reconnect whose session could not be resumed identifies anew and ends in READY,
    // not RESUMED (ClientReady fires only for the first one).
    client.on(Events.ShardReady, () => this.reportLoggedIn());
    client.on(Events.Error, (error) => this.log.error({ err: error }, 'discord client error'));
    client.on(Events.Warn, (warning) => this.log.warn({ warning }, 'discord warning'));
  }

  private context(): NormalizeContext | undefined {
    const botId = this.client.user?.id;
    return botId ? { botId, account: this.options.account ?? 'default' } : undefined;
  }

  /**
   * Messages of one channel are stored in the order the gateway delivered them (the
   * inbox orders a conversation by insertion), even when an earlier one waits for a
   * download or a thread; different channels do not wait for each other.
   */
  private inChannelOrder(message: Message): Promise<void> {
    const channel = message.channelId;
    const run = (this.inOrder.get(channel) ?? Promise.resolve()).then(() =>
      this.onMessage(message),
    );
    const settled = run.catch(() => {});
    this.inOrder.set(channel, settled);
    void settled.then(() => {
      if (this.inOrder.get(channel) === settled) this.inOrder.delete(channel);
    });
    return run;
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
    if (inbound.attachments.length > 0) inbound.attachments = await this.download(inbound);
    await this.deliver(inbound);
  }

  /**
   * MESSAGE_UPDATE: the sender edited a message (or Discord added an embed). Its
   * text replaces the stored one while it waits for its turn; the bridge ignores it
   * otherwise. A message edited before its creation was stored finds nothing to edit.
   */
  private async onEdit(updated: Message | PartialMessage): Promise<void> {
    const context = this.context();
    if (!context || !this.sink.edited || updated.partial) return;
    const inbound = normalizeMessage(updated, context);
    if (inbound?.text) await this.sink.edited(inbound);
  }

  /** Fetches attachments from their CDN URLs (`platformFileId`), see shared/download.ts. */
  private async download(message: InboundMessage) {
    const { files, maxFileMb = 0, fileTimeoutMs = 15_000 } = this.options;
    if (!files || maxFileMb <= 0) return message.attachments;
    const key = conversationKey(message);
    const maxBytes = maxFileMb * 1024 * 1024;
    return Promise.all(
      message.attachments.map((attachment) =>
        attachment.platformFileId?.startsWith('http')
          ? downloadAttachment(
              attachment,
              { url: attachment.platformFileId },
              {
                maxBytes,
                maxImageBytes: Math.min(maxBytes, 5 * 1024 * 1024),
                timeoutMs: fileTimeoutMs,
                save: (name, data) => files.saveInbound(key, name, data),
                onError: (error) =>
                  this.log.warn({ err: error }, 'discord attachment download failed'),
              },
            )
          : attachment,
      ),
    );
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

  /**
   * A slash command. Discord drops an interaction not answered within 3 s, and storing
   * may wait (backpressure), so it is deferred first ("thinking…"), then stored, then
   * the deferred answer is edited into the echo of the command, or into the failure.
   */
  private async onCommand(
    interaction: ChatInputCommandInteraction,
    context: NormalizeContext,
  ): Promise<void> {
    const warn = (error: unknown) =>
      this.log.warn({ err: error }, 'could not answer a slash command');
    const deferred = await discordCall(() => interaction.deferReply()).then(
      () => true,
      (error: unknown) => {
        warn(error);
        return false;
      },
    );
    const inbound = normalizeCommand(interaction, context);
    const stored = await this.deliver(inbound);
    if (!deferred) return;
    const content = stored
      ? commandEcho(interaction.commandName, inbound.text)
      : 'Sorry, Parley could not take this command right now. Please try again.';
    await discordCall(() => interaction.editReply({ content, allowedMentions: NO_MENTIONS })).catch(
      warn,
    );
  }

  /** Hands a message to the bridge; true once it is stored. */
  private async deliver(message: InboundMessage): Promise<boolean> {
    try {
      await this.sink.accept(message);
      return true;
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
    this.explained = problem !== undefined;
    if (problem) this.report.fail(...problem);
    else this.report.set({ state: 'stopped', detail: `gateway closed (${code})` });
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
