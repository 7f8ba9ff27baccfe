/**
 * Queue mode `interrupt`: the turns of this node that a newer message may still
 * abort, by conversation. A turn is registered only while `handler.handle` runs; once
 * the handler returned, its reply is being frozen and delivered, and a new message
 * follows it instead. Only the running batch's sender interrupts it (in a group,
 * another member's message waits), and commands, button presses and scheduled runs
 * never interrupt nor are interrupted.
 *
 *   accept(row) ─► interrupt(row) ─► handler.interrupt(key) ─► the turn's handle rejects
 *   shared inbox: NOTIFY ─► scanLanes ─► a newer pending row of the lane ─► interrupt
 */
import type { Logger } from 'pino';
import type { InboxEntry } from '../sessions/records.js';
import type { WorkQueue } from '../sessions/stores.js';
import type { Standalone } from './batch.js';
import type { QueueMode } from './config.js';

/** A turn whose handler runs now. */
export interface RunningTurn {
  /** The batch's rows (an interrupting row belongs to a later batch). */
  ids: Set<number>;
  channel: string;
  sender: string;
  interruptible: boolean;
  interrupted: boolean;
  /** The conversation's queue mode as the batch was formed (`scanLanes` needs `interrupt`). */
  mode: QueueMode;
}

export interface InterruptDeps {
  /** `MessageHandler.interrupt`: aborts the conversation's running turn. */
  abort?: ((conversationKey: string) => boolean) | undefined;
  standalone: Standalone;
  log: Logger;
}

/** Rows of a lane read when looking for one that interrupts its running turn. */
const LANE_SCAN_LIMIT = 100;

export class Interrupts {
  private readonly running = new Map<string, RunningTurn>();

  constructor(private readonly deps: InterruptDeps) {}

  /** Registers the turn of a batch (`entry` is its holder) while its handler runs. */
  start(entry: InboxEntry, ids: number[], mode: QueueMode): { turn: RunningTurn; end: () => void } {
    const key = entry.conversationKey;
    const turn: RunningTurn = {
      ids: new Set(ids),
      channel: entry.message.channel,
      sender: entry.message.sender.id,
      interruptible: !this.deps.standalone(entry.message),
      interrupted: false,
      mode,
    };
    this.running.set(key, turn);
    const end = () => {
      if (this.running.get(key) === turn) this.running.delete(key);
    };
    return { turn, end };
  }

  /** `entry` (just accepted) aborts its conversation's running turn; true when it did. */
  interrupt(entry: InboxEntry): boolean {
    const running = this.running.get(entry.conversationKey);
    if (!running || running.interrupted || !running.interruptible) return false;
    if (running.sender !== entry.message.sender.id || this.deps.standalone(entry.message))
      return false;
    if (!this.deps.abort?.(entry.conversationKey)) return false;
    running.interrupted = true;
    this.deps.log.info(
      { conversation: entry.conversationKey, inboxId: entry.id },
      'turn interrupted',
    );
    return true;
  }

  /**
   * Shared inbox, on every notification of an accepted row (on any node): a turn of
   * this node in mode `interrupt` is interrupted by a newer pending row of its lane. The
   * mode is the one the turn started with, so a notification costs no read for turns
   * of other modes.
   */
  scanLanes(work: WorkQueue): void {
    for (const [key, running] of this.running) {
      if (running.interrupted || !running.interruptible || running.mode !== 'interrupt') continue;
      void this.scanLane(work, key, running).catch((error: unknown) =>
        this.deps.log.warn({ err: error, conversation: key }, 'could not check for an interrupt'),
      );
    }
  }

  private async scanLane(work: WorkQueue, key: string, running: RunningTurn): Promise<void> {
    const rows = await work.unfinished(key, LANE_SCAN_LIMIT);
    const newer = rows.find((row) => !running.ids.has(row.id) && row.state === 'pending');
    if (newer) this.interrupt(newer);
  }
}
