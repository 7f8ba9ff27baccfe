/**
 * DockerSandbox: runs one command in one fresh container and removes it, whatever
 * happens. This is the only way Parley executes model-chosen commands or code; there
 * is no host fallback. Per call:
 *
 *   queue (fair Limiter: per conversation, then global) ─► hand the workspace over
 *     ─► create (hardened spec, labels, fsize = room left in the quota, command
 *        behind `timeout` when the image has it) ─► attach (demux, capped) ─► start
 *     ─► wait | timeout → kill | abort → kill | host disk low → kill
 *     ─► inspect (OOMKilled) ─► remove (force) ─► measure the workspace ─► SandboxResult
 *
 * Containers left behind by a crash are removed by `cleanup()` (at startup and
 * periodically, see orphans.ts); `close()` removes this instance's running ones.
 *
 * @example
 * ```ts
 * const sandbox = new DockerSandbox(config.sandbox)
 * const result = await sandbox.run({ cmd: ['sh', '-c', 'echo hi'], workspace })
 * result.exitCode // 0; result.stdout 'hi\n'
 * ```
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { handOverWorkspace } from '../sessions/workspace/index.js';
import type { SandboxConfig } from './config.js';
import {
  type ContainerRequest,
  containerSpec,
  sandboxUser,
  withDeadline,
} from './container-spec.js';
import type { EgressRoute } from './egress-network.js';
import { Limiter } from './limiter.js';
import {
  containerLabels,
  currentOwner,
  GRACE_MS,
  INSTANCE_LABEL,
  LABEL,
  type Owner,
  removeOrphans,
} from './orphans.js';
import { CappedOutput, Demuxer } from './output.js';
import { WorkspaceQuota, watchDisk } from './quota.js';
import { execLine, WarmPool, warmSpec } from './warm-pool.js';

export interface SandboxRequest extends ContainerRequest {
  /** Run time limit; defaults to (and is capped at) `sandbox.timeoutSeconds`. */
  timeoutMs?: number;
  /** Abort kills the container (the call then reports `aborted`). */
  signal?: AbortSignal;
}

export interface SandboxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Total bytes the command printed on each stream (shown or not). */
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
  timedOut: boolean;
  oomKilled: boolean;
  aborted: boolean;
  /** "workspace full: …" when the call left the workspace over quota or the host disk low. */
  workspaceFull?: string;
}

/** The container's own deadline is this much later than Parley's timer. */
const INSIDE_DEADLINE_SLACK_S = 2;

/** Wait this long for the attach stream to drain after the container stopped. */
const DRAIN_MS = 2_000;

export class DockerSandbox {
  readonly docker: Docker;
  readonly owner: Owner = currentOwner(randomUUID());
  readonly limiter: Limiter;
  /** Idle started containers per workspace (`sandbox.warmPool`). */
  readonly pool: WarmPool | undefined;
  /** Workspace quotas (`sandbox.workspaceMaxMb`, `workspaceMaxFiles`, `minFreeDiskMb`). */
  readonly quota: WorkspaceQuota;
  /**
   * Whether commands run behind the image's `timeout` (set by the startup probe
   * when the image has one), so a container stops by itself at its deadline.
   */
  deadlineInside = false;
  /** The network of `networkTools` calls, once the egress proxy runs (else they get none). */
  egress: EgressRoute | undefined;

  constructor(
    readonly config: SandboxConfig,
    docker?: Docker,
  ) {
    this.docker =
      docker ?? new Docker(config.socketPath ? { socketPath: config.socketPath } : undefined);
    this.limiter = new Limiter(config.concurrency, config.conversationConcurrency);
    this.quota = new WorkspaceQuota(config);
    this.pool = config.warmPool
      ? new WarmPool((container) => this.remove(container), config.warmIdleSeconds * 1000)
      : undefined;
  }

  /** Runs `request` in a new container once a slot is free. */
  run(request: SandboxRequest): Promise<SandboxResult> {
    return this.limiter.run(request.workspace, () => this.runNow(request));
  }

  /** Removes containers left behind by dead or overdue owners; returns how many. */
  async cleanup(): Promise<number> {
    return (await removeOrphans(this.docker, this.owner)).length;
  }

  /** Runs `cleanup` every `sandbox.cleanupIntervalSeconds`; returns the stop function. */
  startCleanup(onError: (error: unknown) => void = () => {}): () => void {
    const timer = setInterval(
      () => void this.cleanup().catch(onError),
      this.config.cleanupIntervalSeconds * 1000,
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Removes every container this instance still has (shutdown). */
  async close(): Promise<void> {
    await this.pool?.drain();
    const mine = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL}=1`, `${INSTANCE_LABEL}=${this.owner.instance}`] },
    });
    await Promise.all(mine.map((info) => this.remove(this.docker.getContainer(info.Id))));
  }

  /**
   * Gives `dir` (and, the first time, the files directly in it) to the container
   * user when Parley runs as root; once it is theirs this is one fstat
   * (sessions/workspace/usage.ts).
   */
  async prepareWorkspace(dir: string): Promise<void> {
    if (process.getuid?.() !== 0) return;
    await handOverWorkspace(dir, sandboxUser(this.config.user));
  }

  /** `request` as it is run: quota as fsize, deadline inside the container. */
  private async hardened(request: SandboxRequest, timeoutMs: number): Promise<SandboxRequest> {
    const fileSizeLimit = await this.quota.fileSizeLimit(request.workspace);
    const seconds = timeoutMs / 1000 + INSIDE_DEADLINE_SLACK_S;
    const cmd = this.deadlineInside ? withDeadline(request.cmd, seconds) : request.cmd;
    return { ...request, cmd, fileSizeLimit, deadline: this.deadlineInside };
  }

  /** Runs `request` while watching the host disk; measures the workspace afterwards. */
  private async runNow(original: SandboxRequest): Promise<SandboxResult> {
    const timeoutMs = this.timeoutFor(original);
    await this.prepareWorkspace(original.workspace);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    original.signal?.addEventListener('abort', onAbort, { once: true });
    if (original.signal?.aborted) stop.abort();
    let diskLow: string | undefined;
    const unwatch = watchDisk(this.quota, original.workspace, (reason) => {
      diskLow = reason;
      stop.abort();
    });
    try {
      const request = { ...(await this.hardened(original, timeoutMs)), signal: stop.signal };
      const result = await this.runContainer(request, timeoutMs);
      const usage = await this.quota.measure(original.workspace);
      const full = diskLow ?? this.quota.fullReason(usage);
      if (diskLow) result.aborted = false;
      return full ? { ...result, workspaceFull: full } : result;
    } finally {
      unwatch();
      original.signal?.removeEventListener('abort', onAbort);
    }
  }

  private timeoutFor(request: SandboxRequest): number {
    const max = this.config.timeoutSeconds * 1000;
    return Math.max(100, Math.min(request.timeoutMs ?? max, max));
  }

  private async runContainer(request: SandboxRequest, timeoutMs: number): Promise<SandboxResult> {
    const started = Date.now();
    const key = `${request.workspace}\0${request.network === true}`;
    // Idle containers have only the workspace: a call with extra mounts always runs cold.
    const pool = request.readOnlyMounts?.length ? undefined : this.pool;
    const warm = await pool?.take(key);
    try {
      if (warm) {
        const result = await this.runWarm(warm, request, timeoutMs, started);
        if (result) return result;
      }
      const labels = containerLabels(this.owner, started + timeoutMs + GRACE_MS);
      const container = await this.docker.createContainer(
        containerSpec(this.config, request, labels, this.egress),
      );
      try {
        return await this.execute(container, request, timeoutMs, started, () =>
          this.launch(container),
        );
      } finally {
        await this.remove(container);
      }
    } finally {
      pool?.refill(key, () => this.startWarm(request));
    }
  }

  /** Runs on an idle container; undefined when it turned out unusable (then run cold). */
  private async runWarm(
    container: Docker.Container,
    request: SandboxRequest,
    timeoutMs: number,
    started: number,
  ): Promise<SandboxResult | undefined> {
    let fed = false;
    try {
      return await this.execute(container, request, timeoutMs, started, async () => {
        const stream = await this.feed(container, request);
        fed = true;
        return stream;
      });
    } catch (error) {
      if (fed) throw error;
      return undefined;
    } finally {
      await this.remove(container);
    }
  }

  /** Cold path: attach (nothing printed is missed), then start. */
  private async launch(container: Docker.Container): Promise<NodeJS.ReadableStream> {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    await container.start();
    return stream;
  }

  /** Warm path: the idle `sh -s` reads one `exec` line from stdin and becomes the command. */
  private async feed(
    container: Docker.Container,
    request: SandboxRequest,
  ): Promise<NodeJS.ReadableStream> {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream;
    stream.write(execLine(request.cmd));
    stream.end();
    return stream;
  }

  /** Creates and starts an idle container for the warm pool. */
  private async startWarm(request: SandboxRequest): Promise<Docker.Container> {
    const deadline =
      Date.now() +
      this.config.warmIdleSeconds * 1000 +
      this.timeoutFor({ ...request, timeoutMs: undefined }) +
      GRACE_MS;
    const spec = containerSpec(
      this.config,
      request,
      containerLabels(this.owner, deadline),
      this.egress,
    );
    const idleSeconds = (deadline - Date.now()) / 1000;
    const container = await this.docker.createContainer(
      warmSpec(spec, this.deadlineInside ? withDeadline(['sh', '-s'], idleSeconds) : undefined),
    );
    await container.start();
    return container;
  }

  private async execute(
    container: Docker.Container,
    request: SandboxRequest,
    timeoutMs: number,
    started: number,
    begin: () => Promise<NodeJS.ReadableStream>,
  ): Promise<SandboxResult> {
    const limit = this.config.outputLimitChars;
    const stdout = new CappedOutput(limit);
    const stderr = new CappedOutput(limit);
    const stream = await begin();
    const drained = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    stream.pipe(new Demuxer(stdout, stderr));
    // After start, `not-running` is race-free: it answers at once if the command already exited.
    const exited = container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>;
    const stop = await this.race(container, exited, timeoutMs, request.signal);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
    (stream as unknown as { destroy?: () => void }).destroy?.();
    const state = stop.exitCode === 137 ? await this.state(container) : undefined;
    return {
      exitCode: stop.exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      stdoutBytes: stdout.totalBytes,
      stderrBytes: stderr.totalBytes,
      durationMs: Date.now() - started,
      timedOut: stop.reason === 'timeout',
      aborted: stop.reason === 'abort',
      oomKilled: state?.OOMKilled === true,
    };
  }

  /**
   * Waits for the exit, killing the container on timeout or abort. Should the wait
   * request itself never answer after a kill, the exit code is read by inspection.
   */
  private async race(
    container: Docker.Container,
    exited: Promise<{ StatusCode: number }>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ exitCode: number; reason: 'exit' | 'timeout' | 'abort' }> {
    let reason: 'exit' | 'timeout' | 'abort' = 'exit';
    const timers: NodeJS.Timeout[] = [];
    let fallback: (code: number) => void = () => {};
    const inspected = new Promise<number>((resolve) => {
      fallback = resolve;
    });
    const kill = (why: 'timeout' | 'abort') => {
      if (reason !== 'exit') return;
      reason = why;
      container.kill({ signal: 'SIGKILL' }).catch(() => {});
      timers.push(
        setTimeout(async () => fallback((await this.state(container))?.ExitCode ?? 137), 10_000),
      );
    };
    const onAbort = () => kill('abort');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    timers.push(setTimeout(() => kill('timeout'), timeoutMs));
    try {
      const exitCode = await Promise.race([exited.then((r) => r.StatusCode), inspected]);
      return { exitCode, reason };
    } finally {
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async state(
    container: Docker.Container,
  ): Promise<Docker.ContainerInspectInfo['State'] | undefined> {
    try {
      return (await container.inspect()).State;
    } catch {
      return undefined;
    }
  }

  private async remove(container: Docker.Container): Promise<void> {
    try {
      await container.remove({ force: true, v: true });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw error;
    }
  }
}
