/**
 * The turns running now, one abort controller each, by conversation. `/stop`
 * (a control message, so it does not wait behind the turn it stops) aborts the
 * conversation's turn: its model stream, its tool calls (`ToolContext.signal`) and
 * any approval it waits for. (Shutdown does not abort: the bridge drains running turns,
 * and one still running when the process ends is run again at the next start.)
 */

/** The abort reason of a turn stopped by `/stop`. */
export class TurnStopped extends Error {
  override readonly name = 'TurnStopped';
  constructor() {
    super('stopped by /stop');
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
  stop(conversationKey: string): number | undefined {
    const running = this.byConversation.get(conversationKey);
    if (!running || running.controller.signal.aborted) return undefined;
    running.controller.abort(new TurnStopped());
    return running.inboxId;
  }

  get size(): number {
    return this.byConversation.size;
  }
}
