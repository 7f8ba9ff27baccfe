/**
 * The turns running now, one abort controller each, by conversation. `/stop`
 * (a control message, so it does not wait behind the turn it stops) aborts the
 * conversation's turn: its model stream, its tool calls (`ToolContext.signal`) and
 * any approval it waits for; shutdown aborts them all.
 */

/** The abort reason of a turn stopped by `/stop` or shutdown. */
export class TurnStopped extends Error {
  override readonly name = 'TurnStopped';
  constructor(readonly by: 'user' | 'shutdown') {
    super(by === 'user' ? 'stopped by /stop' : 'stopped by shutdown');
  }
}

interface Running {
  inboxId: number;
  controller: AbortController;
}

export class RunningTurns {
  private readonly byConversation = new Map<string, Running>();

  /** Registers a turn; call the returned function when it ends. */
  start(conversationKey: string, inboxId: number): { signal: AbortSignal; end: () => void } {
    const running = { inboxId, controller: new AbortController() };
    this.byConversation.set(conversationKey, running);
    return {
      signal: running.controller.signal,
      end: () => {
        if (this.byConversation.get(conversationKey) === running)
          this.byConversation.delete(conversationKey);
      },
    };
  }

  /** Aborts the conversation's running turn; its inbox id, or undefined when none runs. */
  stop(conversationKey: string, by: TurnStopped['by'] = 'user'): number | undefined {
    const running = this.byConversation.get(conversationKey);
    if (!running || running.controller.signal.aborted) return undefined;
    running.controller.abort(new TurnStopped(by));
    return running.inboxId;
  }

  /** Aborts every running turn (shutdown). */
  stopAll(): number {
    let stopped = 0;
    for (const key of this.byConversation.keys()) if (this.stop(key, 'shutdown')) stopped++;
    return stopped;
  }

  get size(): number {
    return this.byConversation.size;
  }
}
