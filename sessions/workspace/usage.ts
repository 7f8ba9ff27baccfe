/**
 * What a workspace holds (bytes on disk and entries), for the sandbox quotas, and
 * the one-time hand-over of a workspace to the container user. Both stream the
 * tree with `opendir` through directory fds (at.ts: no symlink is ever followed)
 * and stop at their cap, so a workspace of a million files costs no more than the
 * cap and never blocks the event loop (every step is an async fs call).
 */
import type { FileHandle } from 'node:fs/promises';
import { lchown, lstat, opendir } from 'node:fs/promises';
import { at, openChildDir, openDirPath, self } from './at.js';

export interface WorkspaceUsage {
  /** Bytes allocated on disk (blocks × 512: a sparse file counts what it uses). */
  bytes: number;
  /** Entries of every kind (files, folders, links…): the inodes used. */
  files: number;
  /** False when the walk stopped at `maxFiles` or at the depth cap (then over quota). */
  complete: boolean;
}

/** Folders deeper than this are not walked (each level holds one fd open). */
const MAX_DEPTH = 64;
/** lstat calls in flight at once. */
const BATCH = 64;

/** Measures `root`, stopping once more than `maxFiles` entries were seen. */
export async function measureUsage(root: string, maxFiles: number): Promise<WorkspaceUsage> {
  const usage: WorkspaceUsage = { bytes: 0, files: 0, complete: true };
  const dir = await openDirPath(root);
  try {
    await measureDir(dir, usage, maxFiles, 0);
  } finally {
    await dir.close();
  }
  return usage;
}

async function measureDir(dir: FileHandle, usage: WorkspaceUsage, max: number, depth: number) {
  const folders: string[] = [];
  let batch: string[] = [];
  for await (const entry of await opendir(self(dir), { bufferSize: 128 })) {
    usage.files++;
    if (usage.files > max) {
      usage.complete = false;
      break;
    }
    if (entry.isDirectory()) folders.push(entry.name);
    else if (entry.isFile()) batch.push(entry.name);
    if (batch.length >= BATCH) batch = await addSizes(dir, batch, usage);
  }
  await addSizes(dir, batch, usage);
  for (const name of folders) {
    if (!usage.complete) return;
    if (depth >= MAX_DEPTH) {
      usage.complete = false;
      return;
    }
    const child = await openChildDir(dir, name, name).catch(() => undefined);
    if (!child) continue; // swapped or removed meanwhile: nothing to count
    try {
      await measureDir(child, usage, max, depth + 1);
    } finally {
      await child.close();
    }
  }
}

async function addSizes(dir: FileHandle, names: string[], usage: WorkspaceUsage) {
  const stats = await Promise.all(names.map((name) => lstat(at(dir, name)).catch(() => undefined)));
  for (const stat of stats) usage.bytes += stat ? stat.blocks * 512 : 0;
  return [];
}

/**
 * Gives `root` and the regular files directly in it to `owner` (Parley as root,
 * containers as nobody). Nothing to do once the folder is theirs: files Parley
 * writes later are handed over as they are created (workspace.ts), so this walk
 * runs once per workspace, not once per call. `lchown` never follows a link.
 */
export async function handOverWorkspace(root: string, owner: { uid: number; gid: number }) {
  const dir = await openDirPath(root);
  try {
    const stat = await dir.stat();
    if (stat.uid === owner.uid && stat.gid === owner.gid) return;
    for await (const entry of await opendir(self(dir), { bufferSize: 128 })) {
      if (entry.isFile()) await lchown(at(dir, entry.name), owner.uid, owner.gid).catch(() => {});
    }
    await dir.chown(owner.uid, owner.gid);
  } finally {
    await dir.close();
  }
}
