/**
 * The turns running now, one abort controller each, by conversation. `/stop`
 * (a control message, so it does not wait behind the turn it stops) aborts the
 * conversation's turn: its model stream, its tool calls (`ToolContext.signal`) and
 * any approval it waits for. A newer message in queue mode `interrupt` aborts it the
 * same way (`TurnInterrupted`), and the bridge runs it again with that message. At shutdown, turns still running after the bridge's grace
 * period are abandoned the same way; they run again at the next start.
 */

/** The abort reason of a turn stopped by `/stop`. */
export class TurnStopped extends Error {
  override readonly name = 'TurnStopped';
  constructor() {
    super('stopped by /stop');
  }
}

/**
 * The abort reason of a turn interrupted by a newer message (queue mode `interrupt`):
 * the bridge runs its messages again, together with the new one.
 */
export class TurnInterrupted extends Error {
  override readonly name = 'TurnInterrupted';
  constructor() {
    super('interrupted by a newer message');
  }
}

/** The abort reason of a turn abandoned at shutdown (it runs again at the next start). */
export class TurnAbandoned extends Error {
  override readonly name = 'TurnAbandoned';
  constructor() {
    super('abandoned at shutdown');
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
  stop(conversationKey: string, reason: Error = new TurnStopped()): number | undefined {
    const running = this.byConversation.get(conversationKey);
    if (!running || running.controller.signal.aborted) return undefined;
    running.controller.abort(reason);
    return running.inboxId;
  }

  /** Abandons every running turn (shutdown); returns how many. */
  abandonAll(): number {
    let count = 0;
    for (const key of [...this.byConversation.keys()])
      if (this.stop(key, new TurnAbandoned()) !== undefined) count++;
    return count;
  }

  get size(): number {
    return this.byConversation.size;
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
