/**
 * Per-conversation workspaces: the host folder where a conversation's files live
 * (downloads from channels, files written by sandboxed tools). It is the only host
 * path a sandbox container sees (bind-mounted at /workspace).
 */
import { createHash } from 'node:crypto';
import { chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The workspace folder of `conversationKey` under `dataDir`, created on demand. */
export function workspaceFor(dataDir: string, conversationKey: string): string {
  const readable = conversationKey.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  const digest = createHash('sha256').update(conversationKey).digest('hex').slice(0, 10);
  const dir = resolve(join(dataDir, 'workspaces', `${readable}-${digest}`));
  mkdirSync(dir, { recursive: true, mode: 0o770 });
  return dir;
}

/**
 * Saves an inbound file into a workspace and gives it to the workspace's owner (the
 * sandbox user when Parley runs as root), so sandboxed tools can read and change it.
 * Returns the file's path.
 */
export function saveToWorkspace(dir: string, fileName: string, data: Uint8Array): string {
  const path = join(dir, fileName);
  writeFileSync(path, data, { mode: 0o660 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync(dir);
    chownSync(path, uid, gid);
  }
  return path;
}
