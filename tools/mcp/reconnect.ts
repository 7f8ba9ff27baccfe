/**
 * Reconnect with exponential backoff: `run()` tries `attempt`; each failure waits
 * `initialMs`, then twice as long, up to `maxMs`, before the next try, until one
 * succeeds or `stop()` is called. `onFailure` hears every failure with the delay
 * before the next try (the MCP connection marks its server down with it). After a
 * success, a later `run()` (the connection was lost) starts again from `initialMs`.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  onFailure?: (error: unknown, retryInMs: number, attempt: number) => void;
}

export const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 60_000 };

export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private running = false;

  constructor(
    private readonly attempt: () => Promise<void>,
    private readonly options: BackoffOptions,
  ) {}

  /** Delay before the next try after `failures` failures in a row. */
  delayAfter(failures: number): number {
    return Math.min(this.options.initialMs * 2 ** (failures - 1), this.options.maxMs);
  }

  /** Tries now (unless a try is running or scheduled); resolves after this first try. */
  async run(): Promise<void> {
    if (this.stopped || this.running || this.timer) return;
    this.running = true;
    try {
      await this.attempt();
      this.failures = 0;
    } catch (error) {
      this.failures++;
      const delay = this.delayAfter(this.failures);
      this.options.onFailure?.(error, delay, this.failures);
      if (!this.stopped) this.schedule(delay);
    } finally {
      this.running = false;
    }
  }

  /** When the next try is due (epoch ms), if one is scheduled. */
  get nextTryAt(): number | undefined {
    return this.due;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private due: number | undefined;

  private schedule(delay: number): void {
    this.due = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = undefined;
      void this.run();
    }, delay);
    this.timer.unref();
  }
}
