/**
 * The {@link WorkspaceFiles} channels save inbound downloads through, over the
 * conversation workspaces of `sessions/workspace.ts` (the folder a sandbox
 * container sees as /workspace).
 */
import { basename } from 'node:path';
import type { WorkspaceFiles } from '../core/stores.js';
import { saveToWorkspace, workspaceFor } from '../sessions/workspace.js';

/** A name safe to join onto the workspace: no folders, no leading dots. */
function safeFileName(name: string): string {
  const base = basename(name.replace(/\\/g, '/'));
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'file';
}

export function workspaceFiles(dataDir: string): WorkspaceFiles {
  return {
    saveInbound: async (conversationKey, fileName, data) =>
      saveToWorkspace(workspaceFor(dataDir, conversationKey), safeFileName(fileName), data),
  };
}
