/**
 * Per-conversation workspaces: the host folder where a conversation's files live
 * (downloads from channels, files written by tools). It is the only host path a
 * sandbox container sees (bind-mounted at /workspace), so everything in it is
 * treated as hostile: all host access goes through {@link Workspace}
 * (workspace.ts), which never follows a symlink, never blocks on a FIFO or
 * device, and creates files through a private staging folder.
 *
 * @example
 * ```ts
 * const files = createWorkspaceFiles(config.dataDir)
 * const path = await files.saveInbound(conversationKey, 'report.pdf', bytes)
 * // → <dataDir>/workspaces/<conversation>/<random>-report.pdf
 * ```
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchownSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { WorkspaceFiles } from '../../core/stores.js';
import { at, CREATE_FLAGS, DIR_FLAGS } from './at.js';
import { inboundName } from './path.js';
import { randomToken, Workspace } from './workspace.js';

export { WorkspaceFileError } from './at.js';
export { components, shownPath } from './path.js';
export { handOverWorkspace, measureUsage, type WorkspaceUsage } from './usage.js';
export { type ListedEntry, type Listing, Workspace } from './workspace.js';

/** The workspace folder of `conversationKey` under `dataDir`, created on demand. */
export function workspaceFor(dataDir: string, conversationKey: string): string {
  const readable = conversationKey.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  const digest = createHash('sha256').update(conversationKey).digest('hex').slice(0, 10);
  const dir = resolve(join(dataDir, 'workspaces', `${readable}-${digest}`));
  mkdirSync(dir, { recursive: true, mode: 0o770 });
  return dir;
}

/** The private staging folder next to the workspaces (a name no workspace can have). */
export function stagingFor(workspace: string): string {
  return join(dirname(workspace), '.staging');
}

/** The host-side {@link Workspace} of `conversationKey`. */
export function openWorkspace(dataDir: string, conversationKey: string): Workspace {
  const root = workspaceFor(dataDir, conversationKey);
  return new Workspace(root, stagingFor(root));
}

/** {@link WorkspaceFiles} for channels: inbound downloads, saved safely. */
export function createWorkspaceFiles(dataDir: string): WorkspaceFiles {
  return {
    saveInbound: (conversationKey, fileName, data) =>
      openWorkspace(dataDir, conversationKey).saveInbound(fileName, data),
  };
}

/**
 * Deletes inbound attachments saved by {@link createWorkspaceFiles} (a user's data
 * purge). Only a path naming a file directly inside one workspace under `dataDir` is
 * touched; anything else is skipped. Returns how many files were deleted.
 */
export async function removeInboundFiles(dataDir: string, paths: string[]): Promise<number> {
  const workspaces = resolve(join(dataDir, 'workspaces'));
  let removed = 0;
  for (const path of paths.map((p) => resolve(p))) {
    const root = dirname(path);
    if (dirname(root) !== workspaces || basename(root) === '.staging' || !existsSync(root))
      continue;
    if (await new Workspace(root, stagingFor(root)).removeInbound(basename(path))) removed++;
  }
  return removed;
}

/**
 * Synchronous form of `saveInbound` for call sites not yet moved to
 * `ctx.files.saveInbound`: same rules (random name, O_EXCL in staging, hard link
 * that never replaces or follows anything, owner = the workspace folder's).
 */
export function saveToWorkspace(dir: string, fileName: string, data: Uint8Array): string {
  const staging = stagingFor(dir);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const name = inboundName(fileName, randomToken());
  const stagingFd = openSync(staging, DIR_FLAGS);
  const rootFd = openSync(dir, DIR_FLAGS);
  const staged = at({ fd: stagingFd }, `${randomUUID()}.tmp`);
  try {
    const fd = openSync(staged, CREATE_FLAGS, 0o660);
    try {
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
      if (process.getuid?.() === 0) {
        const owner = fstatSync(rootFd); // the container user, once handed over
        fchownSync(fd, owner.uid, owner.gid);
      }
    } finally {
      closeSync(fd);
    }
    linkSync(staged, at({ fd: rootFd }, name));
  } finally {
    try {
      unlinkSync(staged);
    } catch {}
    closeSync(stagingFd);
    closeSync(rootFd);
  }
  return join(dir, name);
}
