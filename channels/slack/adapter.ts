/**
 * The Slack channel: Bolt 5 for inbound dispatch, the Web API client for sending.
 *
 *   Slack ─► receiver (HTTP /slack/events on Parley's server, or Socket Mode with an
 *            xapp- token) ─► Bolt listeners ─► normalize.ts ─► sink.accept ─► ack
 *   bridge sender ─► render (format.ts, Markdown → mrkdwn) ─► chunk (3,000) ─►
 *            throttle (1 message/s per channel) ─► retry ─► send: chat.postMessage
 *
 * Bolt is used for what it is good at (routing events, actions, ignoring itself);
 * acknowledgement timing is ours (see receiver.ts). The WebClient is built with
 * `rejectRateLimitedCalls` and no retries of its own, so a 429 surfaces immediately
 * as a PlatformError with `retryAfterSeconds` and the bridge's retry step waits exactly
 * `Retry-After` (one retry policy for every channel, instead of two stacked ones).
 *
 * Replies go into the thread of the message (`threadId` = `thread_ts ?? ts` for
 * channel mentions), and later messages in a thread the bot takes part in are
 * addressed to it without a new mention (threads.ts); approvals are Block Kit buttons whose `block_actions` come
 * back through the same endpoint, and the answered prompt is updated in place. Reply
 * pieces carry their delivery key as message metadata, and a resumed piece Slack
 * already has is not posted again (delivery.ts).
 */
import { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
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
import { conversationKey } from '../../core/contract.js';
import type { HttpRoutes } from '../../core/http.js';
import type { WorkspaceFiles } from '../../core/stores.js';
import { downloadAttachment } from '../shared/download.js';
import { answeredBlocks, messageBlocks, SECTION_LIMIT } from './blocks.js';
import { deliveryMetadata, findDelivered } from './delivery.js';
import { slackCall, toParleyError } from './errors.js';
import { escapeMrkdwn, markdownToMrkdwn } from './format.js';
import { slackLogger } from './log.js';
import {
  CHANNEL_ID,
  fromBlockActions,
  fromEvent,
  fromSlashCommand,
  type Normalized,
} from './normalize.js';
import { type PeopleApi, SlackPeople } from './people.js';
import { HttpEventsReceiver, SocketEventsReceiver } from './receiver.js';
import { BotThreads } from './threads.js';
import type {
  SlackBlockActionsBody,
  SlackEventEnvelope,
  SlackFile,
  SlackIdentity,
} from './types.js';

export interface SlackOptions {
  /** Bot token `xoxb-…`. */
  botToken: string;
  /** App-level token `xapp-…`: when set, Socket Mode is used instead of HTTP events. */
  appToken?: string;
  /** Signing secret for HTTP events mode. */
  signingSecret?: string;
  /** Web API base URL (default https://slack.com/api/); a test double in tests. */
  apiUrl?: string;
  /** Path of the HTTP events endpoint on Parley's server. */
  eventsPath: string;
  /** Minimum gap between two messages in one Slack channel. */
  minIntervalMs: number;
  /** Draft edits while the answer is written (default), or one message at the end. */
  streaming?: 'edit' | 'none';
  /** The app's slash command (default `/parley`). */
  slashCommand?: string;
  /** Names of Parley's chat commands: `/parley reset` is the command `/reset`. */
  commands?: readonly string[];
}

export class SlackChannel implements ChannelAdapter {
  readonly id = CHANNEL_ID;
  readonly capabilities: ChannelCapabilities;
  private readonly client: WebClient;
  private identity: SlackIdentity | undefined;
  private app: App | undefined;
  /** Kept across restarts: the HTTP route cannot be unregistered, so it is reused. */
  private receiver: HttpEventsReceiver | SocketEventsReceiver | undefined;
  private sink: InboundSink | undefined;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };
  private readonly threads = new BotThreads((channel, ts) => this.botPostedIn(channel, ts));
  private readonly people: SlackPeople;
  readonly mapError = toParleyError;

  constructor(
    private readonly options: SlackOptions,
    private readonly deps: {
      http: HttpRoutes | undefined;
      log: Logger;
      /** Where shared files are saved; without it files stay references. */
      files?: WorkspaceFiles;
      maxFileMb?: number;
      fileTimeoutMs?: number;
    },
  ) {
    this.capabilities = {
      maxMessageLength: SECTION_LIMIT,
      format: 'slack-mrkdwn',
      edits: true,
      buttons: true,
      threads: true,
      typing: false,
      streaming: options.streaming ?? 'edit',
      ...(options.appToken ? { connection: 'exclusive' as const } : {}),
      rateLimits: { perConversationMinMs: options.minIntervalMs },
    };
    this.client = new WebClient(options.botToken, {
      logger: slackLogger(deps.log),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 15_000,
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    });
    this.people = new SlackPeople(
      this.client as unknown as PeopleApi,
      () => this.identity?.botUserId,
    );
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.state = { state: 'starting', since: Date.now() };
    try {
      this.identity = await this.whoAmI();
      this.app = this.createApp(this.identity);
      await this.app.start();
      const mode = this.options.appToken ? 'socket mode' : `HTTP ${this.options.eventsPath}`;
      this.state = { state: 'connected', detail: mode, since: Date.now() };
    } catch (error) {
      this.state = { state: 'error', ...describeStartError(error), since: Date.now() };
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.app?.stop();
    this.app = undefined;
    this.state = { state: 'stopped', since: Date.now() };
  }

  status(): ChannelStatus {
    return this.state;
  }

  render(markdown: string): string {
    return markdownToMrkdwn(markdown);
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const { delivery } = message;
    if (delivery?.resumed) {
      const ts = await this.alreadyDelivered(target, delivery.key);
      if (ts) return { messageId: ts };
    }
    const text = message.format === 'plain' ? escapeMrkdwn(message.text) : message.text;
    const result = await slackCall(() =>
      this.client.chat.postMessage({
        channel: target.conversationId,
        text,
        mrkdwn: message.format !== 'plain',
        unfurl_links: false,
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
        ...(message.buttons?.length ? { blocks: messageBlocks(text, message.buttons) } : {}),
        ...(delivery ? { metadata: deliveryMetadata(delivery) } : {}),
      }),
    );
    if (target.threadId) this.threads.remember(target.conversationId, target.threadId);
    return { messageId: result.ts ?? '' };
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const text = message.format === 'plain' ? escapeMrkdwn(message.text) : message.text;
    await slackCall(() =>
      this.client.chat.update({
        channel: target.conversationId,
        ts: messageId,
        text,
        blocks: message.buttons?.length ? messageBlocks(text, message.buttons) : [],
      }),
    );
  }

  /** Shows the outcome of a press under the prompt (the buttons stay, see blocks.ts). */
  async acknowledgeAction(message: InboundMessage, answer?: ActionAnswer): Promise<void> {
    const channel = message.raw?.channelId;
    const ts = message.raw?.messageTs;
    if (typeof channel !== 'string' || typeof ts !== 'string' || !answer) return;
    const prompt = typeof message.raw?.promptText === 'string' ? message.raw.promptText : '';
    const outcome = escapeMrkdwn(answer.text);
    await slackCall(() =>
      this.client.chat.update({
        channel,
        ts,
        text: `${prompt}\n${outcome}`.trim(),
        blocks: answeredBlocks(promptBlocks(message), prompt, outcome, answer.final),
      }),
    ).catch((error) => this.deps.log.warn({ err: error }, 'slack prompt update failed'));
  }

  /** Calls `auth.test` once: the bot's user id (mentions, self-filter) and team. */
  private async whoAmI(): Promise<SlackIdentity> {
    const auth = await slackCall(() => this.client.auth.test());
    if (!auth.user_id) throw new Error('auth.test returned no user_id');
    return {
      teamId: auth.team_id ?? 'unknown',
      botUserId: auth.user_id,
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
    };
  }

  private createApp(identity: SlackIdentity): App {
    this.receiver ??= this.createReceiver();
    const app = new App({
      receiver: this.receiver,
      authorize: async () => ({
        botToken: this.options.botToken,
        botUserId: identity.botUserId,
        teamId: identity.teamId,
        ...(identity.botId ? { botId: identity.botId } : {}),
      }),
      logger: slackLogger(this.deps.log),
      ...(this.options.apiUrl ? { clientOptions: { slackApiUrl: this.options.apiUrl } } : {}),
    });
    app.error(async (error) => {
      throw error;
    });
    const onEvent = ({ body }: { body: unknown }) =>
      this.deliver(fromEvent(asEnvelope(body), identity), asEnvelope(body).event?.files);
    app.event('app_mention', onEvent);
    app.event('message', onEvent);
    app.command(this.options.slashCommand ?? '/parley', async ({ command, ack }) => {
      const normalized = fromSlashCommand(command, identity, new Set(this.options.commands ?? []));
      await this.deliver(normalized);
      // Only the person who typed it sees the echo; the answer follows in the channel.
      await ack(
        'skip' in normalized
          ? undefined
          : { response_type: 'ephemeral', text: `> ${command.text || command.command}` },
      );
    });
    app.action({ type: 'block_actions' }, async ({ body, ack }) => {
      await this.deliver(fromBlockActions(body as unknown as SlackBlockActionsBody, identity));
      await ack();
    });
    return app;
  }

  private createReceiver(): HttpEventsReceiver | SocketEventsReceiver {
    const { appToken, signingSecret, apiUrl, eventsPath } = this.options;
    const log = this.deps.log;
    if (appToken) return new SocketEventsReceiver({ appToken, log, ...(apiUrl ? { apiUrl } : {}) });
    if (!signingSecret)
      throw new Error('channels.slack needs appToken (Socket Mode) or signingSecret (HTTP)');
    if (!this.deps.http)
      throw new Error('Slack HTTP events need the web server (web.enabled) or an appToken');
    return new HttpEventsReceiver({ http: this.deps.http, path: eventsPath, signingSecret, log });
  }

  /** Hands a normalised message to the inbox; resolves once it is stored. */
  private async deliver(normalized: Normalized, files: SlackFile[] = []): Promise<void> {
    if ('skip' in normalized) {
      this.deps.log.debug({ reason: normalized.skip }, 'slack event skipped');
      return;
    }
    const { message } = normalized;
    await this.people.name(message);
    if (message.chatType === 'group' && message.threadId) {
      const { conversationId: channel, threadId } = message;
      const ts = typeof message.raw?.ts === 'string' ? message.raw.ts : undefined;
      // Called into someone else's thread: the model gets the thread so far.
      if (message.mentionsBot && ts && !this.threads.knows(channel, threadId))
        await this.people.withThreadContext(message, ts);
      if (message.mentionsBot) this.threads.remember(channel, threadId);
      else if (!message.repliesToBot)
        message.repliesToBot = await this.threads.includesBot(
          message.conversationId,
          message.threadId,
        );
    }
    if (files.length > 0) message.attachments = await this.download(message, files);
    await this.sink!.accept(message);
  }

  /** Fetches shared files with the bot token, all within `fileTimeoutMs` (see download.ts). */
  private async download(message: InboundMessage, files: SlackFile[]) {
    const { files: workspace, maxFileMb = 0, fileTimeoutMs = 2000, log } = this.deps;
    if (!workspace || maxFileMb <= 0) return message.attachments;
    const key = conversationKey(message);
    const maxBytes = maxFileMb * 1024 * 1024;
    const deadline = Date.now() + fileTimeoutMs;
    return Promise.all(
      message.attachments.map((attachment, i) => {
        const url = files[i]?.url_private_download ?? files[i]?.url_private;
        if (!url) return attachment;
        return downloadAttachment(
          attachment,
          { url, headers: { authorization: `Bearer ${this.options.botToken}` } },
          {
            maxBytes,
            maxImageBytes: Math.min(maxBytes, 5 * 1024 * 1024),
            timeoutMs: Math.max(100, deadline - Date.now()),
            save: (name, data) => workspace.saveInbound(key, name, data),
            onError: (error) =>
              log.warn({ err: error, file: files[i]?.id }, 'slack file download failed'),
          },
        );
      }),
    );
  }

  /** A resumed piece Slack already shows (delivery.ts); a failed check posts anyway. */
  private async alreadyDelivered(target: OutboundTarget, key: string): Promise<string | undefined> {
    try {
      return await findDelivered(this.client, target, key);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not check for an earlier copy of a reply piece');
      return undefined;
    }
  }

  /** Whether the bot has a message in the thread (`conversations.replies`, first page). */
  private async botPostedIn(channel: string, threadTs: string): Promise<boolean> {
    const bot = this.identity;
    if (!bot) return false;
    const result = await slackCall(() =>
      this.client.conversations.replies({ channel, ts: threadTs, limit: 200 }),
    );
    return (result.messages ?? []).some(
      (m) => m.user === bot.botUserId || (bot.botId !== undefined && m.bot_id === bot.botId),
    );
  }
}

function promptBlocks(message: InboundMessage): unknown[] | undefined {
  const blocks = message.raw?.promptBlocks;
  return Array.isArray(blocks) ? blocks : undefined;
}

function asEnvelope(body: unknown): SlackEventEnvelope {
  return body as SlackEventEnvelope;
}

function describeStartError(error: unknown): { detail: string; fix: string } {
  const detail = error instanceof Error ? error.message : String(error);
  if (/invalid_auth|not_authed|account_inactive|token_revoked/.test(detail))
    return { detail, fix: 'Check channels.slack.botToken (SLACK_BOT_TOKEN, xoxb-…).' };
  return {
    detail,
    fix: 'Set channels.slack.appToken for Socket Mode, or signingSecret with the web server on.',
  };
}
