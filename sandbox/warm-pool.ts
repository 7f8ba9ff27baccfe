/**
 * Optional warm pool (`sandbox.warmPool`): after a call, one container for the same
 * workspace is created and started in the background, idling in `sh -s` on its
 * stdin. The next call there takes it and sends its argv as one `exec` line, which
 * skips the ~300 ms of create + start. Each container still runs exactly one call
 * and is removed afterwards; an idle one is removed after `sandbox.warmIdleSeconds`.
 * The workspace bind mount is fixed at creation, so containers are pooled per
 * workspace (and network setting), never shared between conversations.
 */
import type Docker from 'dockerode';

interface Idle {
  ready: Promise<Docker.Container | undefined>;
  timer: NodeJS.Timeout;
}

/** Create options of a pooled container: the same spec, idling on stdin. */
export function warmSpec(
  spec: Docker.ContainerCreateOptions,
  idle: string[] = ['sh', '-s'],
): Docker.ContainerCreateOptions {
  return {
    ...spec,
    Cmd: idle,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
  };
}

/** A POSIX shell line that replaces the idle `sh -s` with `argv`. */
export function execLine(argv: string[]): string {
  return `exec ${argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ')}\n`;
}

export class WarmPool {
  private readonly idle = new Map<string, Idle>();

  constructor(
    private readonly discard: (container: Docker.Container) => Promise<void>,
    private readonly idleMs: number,
  ) {}

  /** The idle container for `key` (waiting for it if it is still starting), if any. */
  async take(key: string): Promise<Docker.Container | undefined> {
    const entry = this.idle.get(key);
    if (!entry) return undefined;
    this.idle.delete(key);
    clearTimeout(entry.timer);
    return entry.ready;
  }

  /** Starts one idle container for `key` unless there is one already. */
  refill(key: string, start: () => Promise<Docker.Container>): void {
    if (this.idle.has(key)) return;
    const ready = start().catch(() => undefined);
    const timer = setTimeout(() => void this.expire(key, ready), this.idleMs);
    timer.unref();
    this.idle.set(key, { ready, timer });
  }

  /** Removes every idle container (shutdown). */
  async drain(): Promise<void> {
    const entries = [...this.idle.values()];
    this.idle.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearTimeout(entry.timer);
        const container = await entry.ready;
        if (container) await this.discard(container).catch(() => {});
      }),
    );
  }

  /** Resolves once every idle container has finished starting (benchmarks, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.idle.values()].map((entry) => entry.ready));
  }

  get size(): number {
    return this.idle.size;
  }

  private async expire(key: string, ready: Idle['ready']): Promise<void> {
    if (this.idle.get(key)?.ready !== ready) return;
    this.idle.delete(key);
    const container = await ready;
    if (container) await this.discard(container).catch(() => {});
  }
}
