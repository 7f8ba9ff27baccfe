/**
 * Per-workspace quotas (`sandbox.workspaceMaxMb`, `sandbox.workspaceMaxFiles`) and
 * the host disk reserve (`sandbox.minFreeDiskMb`). The mechanism, in layers:
 *
 * 1. before a call, the room left in the workspace becomes the container's
 *    `fsize` ulimit: no file can grow past it (the write fails with "File too
 *    large", SIGXFSZ), so one file can never fill the quota's worth of disk;
 * 2. during a call, the free space and inodes of the workspace's filesystem are
 *    polled (one statfs, O(1)); below the reserve the container is killed, so
 *    Parley's own disk (parley.db) is never filled, however many files are written;
 * 3. after a call, the workspace is measured (streaming, capped walk: usage.ts)
 *    and an exceeded quota is reported to the model as "workspace full"; while
 *    full, write_file refuses and the next call's `fsize` is 0 (only deleting helps).
 *
 * The last measurement per workspace is kept, so a call measures once (after it).
 */
import { statfs } from 'node:fs/promises';
import {
  measureUsage,
  WorkspaceFileError,
  type WorkspaceUsage,
} from '../sessions/workspace/index.js';
import type { SandboxConfig } from './config.js';

const MB = 1024 * 1024;

export type QuotaConfig = Pick<
  SandboxConfig,
  'workspaceMaxMb' | 'workspaceMaxFiles' | 'minFreeDiskMb'
>;

export class WorkspaceQuota {
  private readonly known = new Map<string, WorkspaceUsage>();

  constructor(readonly config: QuotaConfig) {}

  get maxBytes(): number {
    return this.config.workspaceMaxMb * MB;
  }

  /** Measures `root` now (and remembers it). */
  async measure(root: string): Promise<WorkspaceUsage> {
    const usage = await measureUsage(root, this.config.workspaceMaxFiles);
    this.known.set(root, usage);
    return usage;
  }

  /** The last measurement of `root`, measuring when there is none. */
  async usage(root: string): Promise<WorkspaceUsage> {
    return this.known.get(root) ?? this.measure(root);
  }

  /** Why `usage` is over quota ("workspace full: …"), or undefined. */
  fullReason(usage: WorkspaceUsage): string | undefined {
    const { workspaceMaxMb, workspaceMaxFiles } = this.config;
    if (!usage.complete || usage.files > workspaceMaxFiles)
      return `workspace full: more than ${workspaceMaxFiles} files and folders (the limit); delete some before writing more`;
    if (usage.bytes > this.maxBytes)
      return `workspace full: ${Math.round(usage.bytes / MB)} MB used of ${workspaceMaxMb} MB; delete files before writing more`;
    return undefined;
  }

  /** The `fsize` ulimit for the next call in `root`: the bytes left (0 when full). */
  async fileSizeLimit(root: string): Promise<number> {
    const usage = await this.usage(root);
    if (this.fullReason(usage)) return 0;
    return Math.max(0, this.maxBytes - usage.bytes);
  }

  /** Throws "workspace full" unless `bytes` more fit in `root` (write_file). */
  async ensureRoom(root: string, bytes: number): Promise<void> {
    const usage = await this.measure(root);
    const after = { ...usage, bytes: usage.bytes + bytes, files: usage.files + 1 };
    const reason = this.fullReason(after) ?? (await this.diskLow(root));
    if (reason) throw new WorkspaceFileError(reason);
    this.known.set(root, after);
  }

  /** Why the filesystem holding `root` is below the reserve, or undefined. */
  async diskLow(root: string): Promise<string | undefined> {
    const stats = await statfs(root);
    const free = stats.bavail * stats.bsize;
    const reserve = this.config.minFreeDiskMb * MB;
    if (free < reserve)
      return `workspace full: the host disk is down to ${Math.round(free / MB)} MB free (reserve ${this.config.minFreeDiskMb} MB)`;
    if (stats.files > 0 && stats.ffree < Math.min(100_000, stats.files / 20))
      return 'workspace full: the host disk is out of inodes';
    return undefined;
  }

  /** Forgets `root`'s measurement (e.g. after an attachment was saved). */
  forget(root: string): void {
    this.known.delete(root);
  }
}

/**
 * Polls the free space of the filesystem holding `root` while a call runs; calls
 * `onLow` once when it is below the reserve. Returns the stop function.
 */
export function watchDisk(
  quota: WorkspaceQuota,
  root: string,
  onLow: (reason: string) => void,
  everyMs = 250,
): () => void {
  let fired = false;
  const timer = setInterval(async () => {
    if (fired) return;
    const reason = await quota.diskLow(root).catch(() => undefined);
    if (reason && !fired) {
      fired = true;
      onLow(reason);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
