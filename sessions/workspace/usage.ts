/**
 * What a workspace holds (bytes on disk and entries), for the sandbox quotas, and
 * the one-time hand-over of a workspace to the container user. Both stream the
 * tree through directory fds (no symlink is ever followed) in a worker thread
 * (usage-worker.ts) and stop at their cap, so a workspace of a million files costs
 * no more than the cap and never blocks the event loop.
 */
import { openDirPath } from './at.js';
import { runWalk } from './usage-worker.js';

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

/** Measures `root`, stopping once more than `maxFiles` entries were seen. */
export async function measureUsage(root: string, maxFiles: number): Promise<WorkspaceUsage> {
  return runWalk({ kind: 'measure', root, maxFiles, maxDepth: MAX_DEPTH });
}

/**
 * Gives `root` and the regular files directly in it to `owner` (Parley as root,
 * containers as nobody). Nothing to do once the folder is theirs (one fstat):
 * files Parley writes later are handed over as they are created (workspace.ts),
 * so this walk runs once per workspace, not once per call. `lchown` never
 * follows a link.
 */
export async function handOverWorkspace(root: string, owner: { uid: number; gid: number }) {
  const dir = await openDirPath(root);
  try {
    const stat = await dir.stat();
    if (stat.uid === owner.uid && stat.gid === owner.gid) return;
  } finally {
    await dir.close();
  }
  await runWalk({ kind: 'handOver', root, ...owner });
}
