/**
 * Per-conversation workspaces: the host folder where a conversation's files live
 * (downloads from channels, files written by sandboxed tools). It is the only host
 * path a sandbox container sees (bind-mounted at /workspace).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
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
 * Saves an inbound file (a channel's download) into a workspace; returns its path.
 * The sandbox hands workspace files to its container user before each run.
 */
export function saveToWorkspace(dir: string, fileName: string, data: Uint8Array): string {
  const path = join(dir, fileName);
  writeFileSync(path, data, { mode: 0o660 });
  return path;
}
