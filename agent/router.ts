/**
 * The one router every channel feeds. For each message taken from the queue:
 *
 *   scheduled job?   ─► its run (agent/scheduler/run.ts; made by the scheduler, no sender check)
 *   rate limit       ─► one "slow down" reply, then silence (before anything is stored)
 *   access policy    ─► silent / pairing code / allowed
 *   approval answer? ─► answer it (runs outside the conversation lane)
 *   command?         ─► /help /new /reset /status /usage /whoami /start /jobs /model /queue
 *                      /stop (outside the lane: aborts the conversation's running turn)
 *   provider missing ─► say which variables to set
 *   otherwise        ─► prepare steps (voice note → transcript) ─► session (reset rules)
 *                      ─► history (compacted into a summary when it outgrows the budget)
 *                      + user message (attachments: agent/attachments.ts), system prompt +
 *                      sections (skills, MCP note, memories) ─► model ↔ tools loop (the
 *                      turn's abort signal, the conversation's model) ─► finish steps
 *                      (spoken reply) ─► reply
 *
 * A turn's session messages are stored only with its frozen reply (see `converse`),
 * so a turn re-run after a crash starts from a clean session. Model calls carry the
 * turn's attribution (user, conversation, channel) for the usage meter; a budget
 * that is reached ends the turn with its explanation (agent/usage/).
 */
import type { Logger } from 'pino';
import type { MessageHandler, Reply, Turn } from '../bridge/index.js';
import type { QueueModes } from '../bridge/modes.js';
import type { InboundMessage } from '../core/contract.js';
import type { HistoryMessage, NewMessage, Session, ToolCallRecord } from '../sessions/records.js';
import type { MetaStore, SessionStore } from '../sessions/stores.js';
import type { UsageAttribution } from '../sessions/usage-records.js';
import { RedactingStream, type Redactor } from '../tools/redact.js';
import type { ToolRegistry, ToolResult } from '../tools/registry.js';
import { type AccessPolicy, pairingText, principalOf } from './access.js';
import {
  type ApprovalService,
  approvalButtons,
  commandGrantKey,
  parseApprovalAnswer,
  type ScopedAnswer,
} from './approvals.js';
import {
  type ImagePart,
  imageParts,
  type UserContent,
  userContent,
  withImages,
} from './attachments.js';
import { type Command, type CommandContext, parseCommand } from './commands.js';
import { turnHistory } from './compaction/index.js';
import type { HistoryConfig, LlmConfig } from './config.js';
import { type ChatMessage, type ChatModel, type ModelEvent, ProviderError } from './llm.js';
import { runToolLoop } from './loop.js';
import { ModelChoice } from './models/choice.js';
import type { RateLimiter } from './rate-limit/index.js';
import type { JobRunner } from './scheduler/run.js';
import type { JobService } from './scheduler/service.js';
import { openSession, resetRuleFor } from './session-reset/index.js';
import {
  prepareMessage,
  systemPrompt,
  type TurnExtensions,
  type TurnScope,
} from './turn-context.js';
import {
  RunningTurns,
  TurnAbandoned,
  TurnInterrupted,
  TurnStopped,
  unlessAborted,
} from './turns.js';
import type { UsageMeter } from './usage/meter.js';
import type { OwnerChats } from './usage/owners.js';
import { usageText } from './usage/report.js';

export interface RouterDeps {
  config: { llm: LlmConfig; history: HistoryConfig };
  sessions: SessionStore;
  access: AccessPolicy;
  approvals: ApprovalService;
  tools: ToolRegistry;
  /** Undefined when no provider is configured; `providerMissing` says what to set. */
  model: ChatModel | undefined;
  providerMissing: string | undefined;
  redactor: Redactor;
  log: Logger;
  /** Per-sender message limit; owners pass when `exemptOwners`. */
  rateLimit?: { limiter: RateLimiter; exemptOwners: boolean };
  /** The usage meter behind `/usage` (the model itself is already metered). */
  usage?: UsageMeter;
  /** Learns where each owner is reached, for usage alerts. */
  ownerChats?: OwnerChats;
  /** Scheduled jobs (runs, `/jobs`); undefined when the scheduler is off. */
  jobs?: { runner: JobRunner; service: JobService } | undefined;
  /** Keeps each conversation's `/model` choice; without it `/model` can only list. */
  meta?: MetaStore;
  /** The queue modes behind `/queue` (bridge/modes.ts, stored in the meta store). */
  queueModes?: QueueModes;
  /** Prompt sections and message preparation added by capabilities (agent/turn-context.ts). */
  turn?: TurnExtensions;
  /** Commands besides the built-in ones (e.g. /skills, /memory). */
  commands?: Command[];
}

/** Events for metrics. */
export type RouterEvent =
  | { type: 'llm'; ok: boolean; latencyMs: number; model?: string | undefined }
  | { type: 'rate-limited'; channel: string }
  | { type: 'tool'; tool: string; outcome: 'ok' | 'error' | 'denied' }
  | ModelEvent;

/** Appended to the text already shown when the turn was stopped. */
const STOPPED = '…(stopped)';

/** Told once to a message that arrives while its conversation's turn waits for an approval. */
const WAITING_NOTE =
  'Your earlier request is waiting for an owner to approve a tool call; I will answer this message after that. Send /stop to cancel the waiting request.';

export class Router implements MessageHandler {
  private readonly listeners: ((event: RouterEvent) => void)[] = [];
  private readonly running = new RunningTurns();
  private readonly choice: ModelChoice;
  /** Sessions whose summary last failed, and when (see `compaction/`). */
  private readonly compactionFailures = new Map<number, number>();

  constructor(private readonly deps: RouterDeps) {
    this.choice = new ModelChoice(deps.config.llm, deps.meta);
  }

  on(listener: (event: RouterEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Approval answers and `/stop` skip the lane: the turn they act on may be holding it. */
  isControl(message: InboundMessage): boolean {
    return (
      parseApprovalAnswer(message) !== undefined ||
      parseCommand(message.text)?.command.name === 'stop'
    );
  }

  /**
   * Messages the access policy ignores before asking who sent them: a bot's, and a
   * group message not addressed to the bot. The bridge stores only their ids.
   * Scheduled runs and button presses are never passed over.
   */
  passesOver(message: InboundMessage): boolean {
    if (message.job || message.action) return false;
    return message.sender.isBot === true || !this.deps.access.addressed(message);
  }

  /**
   * Commands, button presses and scheduled runs: each is a turn of its own (never
   * merged). So is whatever the access policy ignores unread (a bot's message, a group
   * message not addressed to the bot): joined to a batch, the model would read it.
   */
  standalone(message: InboundMessage): boolean {
    return (
      message.job !== undefined ||
      message.action !== undefined ||
      message.sender.isBot === true ||
      !this.deps.access.addressed(message) ||
      this.isControl(message) ||
      parseCommand(message.text, this.deps.commands) !== undefined
    );
  }

  /**
   * Queue mode `interrupt`: aborts the conversation's running turn (and the approvals
   * it waits for); its `handle` rejects with {@link TurnInterrupted}.
   */
  interrupt(conversationKey: string): boolean {
    const inboxId = this.running.stop(conversationKey, new TurnInterrupted());
    if (inboxId === undefined) return false;
    void this.deps.approvals
      .cancel(inboxId, 'interrupt')
      .catch((error: unknown) =>
        this.deps.log.warn({ err: error }, 'could not cancel an interrupted approval'),
      );
    return true;
  }

  /** Shutdown: aborts the turns still running; the bridge keeps them for the next start. */
  abandon(): void {
    const count = this.running.abandonAll();
    if (count > 0) this.deps.log.info({ count }, 'abandoned running turns at shutdown');
  }

  async handle(turn: Turn): Promise<Reply | null> {
    const { message } = turn;
    // A scheduled job's run: made by the scheduler, not sent by a platform sender.
    if (message.job) return this.runJob(turn);
    const limited = this.rateLimited(turn);
    if (limited !== undefined) return limited;
    const decision = await this.deps.access.check(
      message,
      turn.adapter.capabilities.preauthenticated === true,
    );
    if (decision.kind === 'ignore') {
      this.deps.log.debug(
        { conversation: turn.conversationKey, reason: decision.reason },
        'message ignored',
      );
      // A button pressed by someone the policy ignores: stop the platform's spinner,
      // say nothing in the chat.
      if (message.action) await turn.adapter.acknowledgeAction?.(message).catch(() => {});
      return null;
    }
    if (decision.kind === 'pair') return { text: pairingText(decision.request) };
    if (decision.role === 'owner' && message.chatType === 'dm')
      await this.deps.ownerChats?.remember(principalOf(message), turn.target);
    // Access first: an approval answer from a stranger or an unaddressed group message
    // never reaches the approval service (which then checks who may approve).
    const answer = parseApprovalAnswer(message);
    if (answer)
      return this.answerApproval(turn, answer.id, answer.command ? 'command' : answer.answer);
    const parsed = parseCommand(message.text, this.deps.commands);
    if (parsed) {
      const text = await parsed.command.run(this.commandContext(turn, decision.role), parsed.args);
      return text === null ? null : { text };
    }
    if (!this.deps.model)
      return { text: this.deps.providerMissing ?? 'No AI provider is configured.' };
    if (!message.text.trim() && message.attachments.length === 0) return null;
    const scope = {
      message,
      principal: principalOf(message),
      conversationKey: turn.conversationKey,
    };
    const prepared = await prepareMessage(this.deps.turn?.prepare ?? [], scope);
    if ('reply' in prepared) return { text: prepared.reply };
    const reply = await this.converse({ ...turn, message: prepared.message }, this.deps.model);
    for (const step of this.deps.turn?.finish ?? [])
      await step(scope, reply.text, turn).catch((error) =>
        this.deps.log.warn({ err: error }, 'finishing step failed'),
      );
    if (prepared.echo.length === 0) return reply;
    return { ...reply, text: [...prepared.echo, reply.text].join('\n\n') };
  }

  /**
   * The per-sender rate limit, applied right after dedupe: the reply (or silence) for
   * a message over the limit, undefined for one that may go on. Messages that would be
   * ignored anyway (bots, group messages not addressed to the bot) are not counted;
   * approval answers and scheduled job runs are never limited.
   */
  private rateLimited(turn: Turn): Reply | null | undefined {
    const { message } = turn;
    const rate = this.deps.rateLimit;
    if (!rate || message.sender.isBot || !this.deps.access.addressed(message)) return undefined;
    // Approval answers unblock a waiting turn; scheduled runs were not sent by anyone.
    if (this.isControl(message) || jobOf(message) !== undefined) return undefined;
    const principal = principalOf(message);
    if (rate.exemptOwners && this.deps.access.isOwner(principal)) return undefined;
    const verdict = rate.limiter.check(principal, turn.receivedAt ?? Date.now());
    if (verdict.kind === 'ok') return undefined;
    this.emit({ type: 'rate-limited', channel: message.channel });
    this.deps.log.info({ sender: principal, notify: verdict.notify }, 'rate limited');
    return verdict.notify ? { text: verdict.text } : null;
  }

  private async runJob(turn: Turn): Promise<Reply | null> {
    if (!this.deps.jobs) {
      this.deps.log.warn(
        { job: turn.message.job?.id },
        'scheduled job run dropped: the scheduler is off',
      );
      return null;
    }
    const { model, providerMissing } = this.deps;
    return this.deps.jobs.runner.handle(turn, {
      model,
      providerMissing,
      converse: (capped) => this.converse(turn, capped),
    });
  }

  private commandContext(turn: Turn, role: CommandContext['role']): CommandContext {
    const { message, conversationKey } = turn;
    return {
      principal: principalOf(message),
      senderName: message.sender.name,
      role,
      conversationKey,
      chatType: message.chatType,
      conversationId: message.conversationId,
      extraCommands: this.deps.commands ?? [],
      resetSession: () => this.deps.sessions.end(conversationKey),
      status: () => this.status(turn),
      stopTurn: () => this.stopTurn(conversationKey),
      ...(this.deps.usage
        ? {
            usage: (all: boolean) =>
              usageText(this.deps.usage!, {
                attribution: attributionOf(turn),
                owner: role === 'owner',
                all,
              }),
          }
        : {}),
      jobs: this.deps.jobs?.service,
      ...(this.deps.model
        ? {
            models: {
              names: this.choice.names,
              fallback: this.choice.channelDefault(message.channel),
              current: () => this.choice.current(conversationKey, message.channel),
              choose: (name: string | undefined) => this.choice.choose(conversationKey, name),
            },
          }
        : {}),
      ...(this.deps.queueModes && this.deps.meta
        ? { queue: this.queueChoice(this.deps.queueModes, conversationKey, message.channel) }
        : {}),
    };
  }

  private queueChoice(
    modes: QueueModes,
    conversationKey: string,
    channel: string,
  ): NonNullable<CommandContext['queue']> {
    return {
      fallback: modes.channelDefault(channel).mode,
      current: async () => (await modes.of(conversationKey, channel)).mode,
      choose: (mode) => modes.choose(conversationKey, mode),
    };
  }

  /** `/stop`: aborts the running turn and denies the approvals it waits for. */
  private async stopTurn(conversationKey: string): Promise<boolean> {
    const inboxId = this.running.stop(conversationKey);
    if (inboxId === undefined) return false;
    await this.deps.approvals.cancel(inboxId, 'stop');
    this.deps.log.info({ conversation: conversationKey, inboxId }, 'turn stopped');
    return true;
  }

  /**
   * An approval answer, typed or pressed. A press is answered on the button (its
   * buttons come off once the request is settled); a press on a request settled
   * earlier says so to the presser only, never again in the chat.
   */
  private async answerApproval(
    turn: Turn,
    id: string,
    answer: ScopedAnswer,
  ): Promise<Reply | null> {
    const result = await this.deps.approvals.answer(id, answer, principalOf(turn.message));
    if (!turn.message.action) return { text: result.text };
    const { text, final } = result;
    await turn.adapter.acknowledgeAction?.(turn.message, { text, final }).catch(() => {});
    return result.ok || !final ? { text } : null;
  }

  /**
   * The model turn. Its session messages (the user's, tool rounds, the answer) are
   * kept in memory and stored by the bridge together with the frozen reply
   * (`Reply.session`), so an interrupted turn leaves nothing behind and re-runs cleanly.
   */
  private async converse(turn: Turn, model: ChatModel): Promise<Reply> {
    const running = this.running.start(turn.conversationKey, turn.inboxId);
    try {
      return await this.converseWith(turn, model, running.signal);
    } finally {
      running.end();
    }
  }

  private async converseWith(turn: Turn, model: ChatModel, signal: AbortSignal): Promise<Reply> {
    const { message } = turn;
    const { sessions, config } = this.deps;
    const { session } = await openSession(
      sessions,
      this.sessionInit(turn),
      resetRuleFor(config.history, message.channel),
    );
    if (turn.rerun) await sessions.discardTurn(turn.inboxId);
    const { redactor } = this.deps;
    // Nothing a secret could ride on is stored or shown unredacted: a provider that
    // echoes its key puts it in the answer, the stream and the summary alike.
    const redacted = (stored: NewMessage): NewMessage =>
      stored.content ? { ...stored, content: redactor.redact(stored.content) } : stored;
    const stream = new RedactingStream(redactor);
    const user: NewMessage = {
      role: 'user',
      content: redactor.redact(userContent(message)),
      inboxId: turn.inboxId,
      senderId: message.sender.id,
      senderName: message.sender.name,
    };
    const turnMessages: NewMessage[] = [user];
    const record = { sessionId: session.id, messages: turnMessages };
    const preferredModel = await this.choice.current(turn.conversationKey, message.channel);
    const onEvent = (event: ModelEvent) => this.modelEvent(event);
    const scope: TurnScope = {
      message,
      principal: principalOf(message),
      conversationKey: turn.conversationKey,
    };
    const images = await imageParts(message);
    const started = Date.now();
    let shown = '';
    try {
      const { history, summary } = await turnHistory(session, config.history, user, {
        ...{ sessions, model, log: this.deps.log, enabled: config.history.compact },
        ...{ signal, preferredModel, onEvent, failures: this.compactionFailures },
        redact: (text) => redactor.redact(text),
      });
      const messages: ChatMessage[] = [
        {
          role: 'system',
          content: await systemPrompt(
            config.llm.systemPrompt,
            this.deps.turn?.sections ?? [],
            scope,
          ),
        },
        ...(summary
          ? [
              {
                role: 'system' as const,
                content: `Summary of the earlier conversation:\n${summary}`,
              },
            ]
          : []),
        ...history.map((stored) =>
          toChatMessage(stored, stored.inboxId === turn.inboxId ? images : []),
        ),
      ];
      const result = await runToolLoop({
        model,
        messages,
        tools: () => this.deps.tools.definitions(message.chatType),
        maxRounds: config.llm.maxToolRounds,
        execute: (call) => this.execute(turn, session, call, signal),
        record: (stored) => turnMessages.push(redacted(stored)),
        onDelta: (delta) => {
          shown += delta;
          const safe = stream.push(delta);
          if (safe) turn.stream(safe);
        },
        signal,
        preferredModel,
        onEvent,
        attribution: attributionOf(turn),
      });
      const rest = stream.end();
      if (rest) turn.stream(rest);
      if (result.budget) {
        this.deps.log.warn(
          { budget: result.budget.message, rounds: result.rounds },
          'budget reached',
        );
        return { text: result.text, session: record };
      }
      this.emit({ type: 'llm', ok: true, latencyMs: Date.now() - started, model: result.model });
      return { text: this.deps.redactor.redact(result.text || '(no answer)'), session: record };
    } catch (error) {
      if (signal.reason instanceof TurnAbandoned || signal.reason instanceof TurnInterrupted)
        throw signal.reason;
      const stopped = signal.aborted && signal.reason instanceof TurnStopped;
      if (!stopped) this.emit({ type: 'llm', ok: false, latencyMs: Date.now() - started });
      if (stopped) return this.stoppedReply(shown, record);
      if (!(error instanceof ProviderError)) throw error;
      this.deps.log.warn({ err: error, status: error.status, kind: error.kind }, 'provider failed');
      return { text: this.deps.redactor.redact(failedText(error)), session: record };
    }
  }

  /** The reply of a turn stopped by `/stop`: what was shown so far, marked; the session keeps it. */
  private stoppedReply(shown: string, record: NonNullable<Reply['session']>): Reply {
    // A tool call the stop cut short still needs its result, or the provider refuses
    // the next turn's history.
    const answered = new Set(record.messages.map((m) => m.toolCallId).filter(Boolean));
    const calls = record.messages.flatMap((m) => m.toolCalls ?? []);
    for (const call of calls.filter((c) => !answered.has(c.id)))
      record.messages.push({
        role: 'tool',
        content: 'Error: stopped by the user.',
        toolCallId: call.id,
      });
    const text = shown.trim() ? `${shown}\n\n${STOPPED}` : 'Stopped.';
    record.messages.push({ role: 'assistant', content: this.deps.redactor.redact(text) });
    return { text: this.deps.redactor.redact(text), session: record };
  }

  private modelEvent(event: ModelEvent): void {
    if (event.type === 'fallback')
      this.deps.log.warn(
        { from: event.from, to: event.to, reason: event.reason },
        'model failed; trying the next one',
      );
    else this.deps.log.info({ model: event.model, reason: event.reason }, 'model call retried');
    this.emit(event);
  }

  private sessionInit(turn: Turn) {
    const { message } = turn;
    return {
      key: turn.conversationKey,
      channel: message.channel,
      conversationId: message.conversationId,
      threadId: message.threadId,
      chatType: message.chatType,
      userId: message.chatType === 'dm' ? message.sender.id : undefined,
    };
  }

  /** Runs one tool call: availability, argument validation, policy and approval, then the tool. */
  private async execute(
    turn: Turn,
    session: Session,
    call: ToolCallRecord,
    signal: AbortSignal,
  ): Promise<ToolResult> {
    const { tools, approvals, redactor } = this.deps;
    const name = call.function.name;
    const unavailable = tools.unavailable(name, turn.message.chatType);
    const tool = tools.get(name);
    if (unavailable || !tool)
      return this.toolOutcome(name, 'denied', {
        content: unavailable ?? `unknown tool ${name}`,
        isError: true,
      });
    let args: unknown;
    try {
      args = tool.schema.parse(JSON.parse(call.function.arguments || '{}'));
    } catch (error) {
      return this.toolOutcome(name, 'error', {
        content: `Invalid arguments for ${name}: ${(error as Error).message}`,
        isError: true,
      });
    }
    const policy = tools.policyFor(name, args, turn.message.chatType);
    if (policy === 'deny')
      return this.toolOutcome(name, 'denied', {
        content: `The owner's policy does not allow this ${name} call.`,
        isError: true,
      });
    if (policy === 'ask') {
      // While the owner is asked, the chat shows no typing, and a new message there is
      // told once why it waits (the turn holds its conversation's lane).
      let release: (() => void) | undefined;
      // Abandoned at shutdown, the approval stays pending and is asked again at start.
      const decision = await unlessAborted(
        approvals.decide(
          {
            inboxId: turn.inboxId,
            sessionId: session.id,
            conversationKey: turn.conversationKey,
            channel: turn.message.channel,
            target: turn.target,
            tool: name,
            args: JSON.stringify(args),
            requestedBy: principalOf(turn.message),
          },
          (approval) => {
            release = turn.hold?.(WAITING_NOTE);
            return this.presentApproval(turn, approval.id, name, JSON.stringify(args));
          },
        ),
        signal,
      ).finally(() => release?.());
      if (decision !== 'approved') {
        return this.toolOutcome(name, 'denied', {
          content: `The owner ${decision === 'expired' ? 'did not answer in time; the call was denied' : 'denied this call'}.`,
          isError: true,
        });
      }
    }
    signal.throwIfAborted();
    try {
      const result = await tool.run(args, {
        sessionId: session.id,
        conversationKey: turn.conversationKey,
        channel: turn.message.channel,
        senderId: turn.message.sender.id,
        conversation: {
          account: turn.message.account,
          conversationId: turn.message.conversationId,
          chatType: turn.message.chatType,
          ...(turn.message.threadId !== undefined ? { threadId: turn.message.threadId } : {}),
        },
        chatType: turn.message.chatType,
        conversationId: turn.message.conversationId,
        signal,
      });
      return this.toolOutcome(name, result.isError ? 'error' : 'ok', {
        ...result,
        content: redactor.redact(result.content),
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      this.deps.log.error({ err: error, tool: name }, 'tool failed');
      return this.toolOutcome(name, 'error', {
        content: `Tool ${name} failed: ${redactor.redact((error as Error).message)}`,
        isError: true,
      });
    }
  }

  private async presentApproval(turn: Turn, id: string, tool: string, args: string): Promise<void> {
    const shown = args.length > 600 ? `${args.slice(0, 600)}…` : args;
    const lines = [
      `**Approval needed** (${id}): the agent wants to run \`${tool}\` with:`,
      '```json',
      this.deps.redactor.redact(shown),
      '```',
    ];
    if (turn.adapter.capabilities.buttons) {
      const thisCommand = commandGrantKey(tool, args) !== undefined;
      await turn.notify(lines.join('\n'), approvalButtons(id, thisCommand));
    } else {
      lines.push(
        `Reply \`approve ${id}\`, \`approve ${id} session\` (allow for this session) or \`deny ${id}\`.`,
      );
      await turn.notify(lines.join('\n'));
    }
  }

  private toolOutcome(
    tool: string,
    outcome: 'ok' | 'error' | 'denied',
    result: ToolResult,
  ): ToolResult {
    this.emit({ type: 'tool', tool, outcome });
    return result;
  }

  private async status(turn: Turn): Promise<Record<string, string | number>> {
    const { session } = await openSession(
      this.deps.sessions,
      this.sessionInit(turn),
      resetRuleFor(this.deps.config.history, turn.message.channel),
    );
    const usage = await this.deps.sessions.usage(session.id);
    return {
      model: this.deps.model
        ? await this.choice.current(turn.conversationKey, turn.message.channel)
        : 'not configured',
      session: session.id,
      'messages in session': usage.messages,
      'tokens used': usage.promptTokens + usage.completionTokens,
      tools:
        this.deps.tools
          .definitions()
          .map((d) => d.function.name)
          .join(', ') || 'none',
      'queue depth': turn.queueDepth,
      ...(session.summary ? { 'summary of earlier messages': session.summary.text } : {}),
    };
  }

  private emit(event: RouterEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * A scheduled run's job id: the scheduler marks its inbox messages with `job` (read
 * structurally here, so this module does not depend on the scheduler's types).
 */
function jobOf(message: InboundMessage): string | undefined {
  const id = (message as { job?: { id?: unknown } }).job?.id;
  return id === undefined ? undefined : String(id);
}

/** Whom a turn's model calls are for. */
function attributionOf(turn: Turn): UsageAttribution {
  const jobId = jobOf(turn.message);
  return {
    userId: principalOf(turn.message),
    conversationKey: turn.conversationKey,
    channel: turn.message.channel,
    ...(jobId !== undefined ? { jobId } : {}),
  };
}

/** A failed answer: what was shown before the failure stays, followed by why it failed. */
function failedText(error: ProviderError): string {
  if (!error.partial?.trim()) return error.userMessage;
  return `${error.partial}\n\n…(the answer failed: ${error.userMessage})`;
}

/** Maps a stored message to the Chat Completions shape; `images` go with the current turn's. */
function toChatMessage(stored: HistoryMessage, images: ImagePart[]): ChatMessage {
  switch (stored.role) {
    case 'user': {
      const content: UserContent = withImages(stored.content ?? '', images);
      return { role: 'user', content };
    }
    case 'assistant':
      return stored.toolCalls
        ? { role: 'assistant', content: stored.content, tool_calls: stored.toolCalls }
        : { role: 'assistant', content: stored.content ?? '' };
    case 'tool':
      return { role: 'tool', content: stored.content ?? '', tool_call_id: stored.toolCallId ?? '' };
    default:
      return { role: 'system', content: stored.content ?? '' };
  }
}
