/**
 * A path as the model (or a channel) wrote it → the list of components inside the
 * workspace. Relative paths and absolute ones under `/workspace` are accepted;
 * `..` may not climb out. Purely lexical: symlinks are dealt with by at.ts, which
 * never follows one.
 */
import { WorkspaceFileError } from './at.js';

/** `path` → its components below the workspace root ([] = the root itself). */
export function components(path: string): string[] {
  if (path.includes('\0')) throw new WorkspaceFileError('path contains a NUL byte');
  let rel = path.trim();
  if (rel === '/workspace' || rel.startsWith('/workspace/')) rel = rel.slice('/workspace'.length);
  else if (rel.startsWith('/'))
    throw new WorkspaceFileError(`"${path}" is outside the workspace (use paths under /workspace)`);
  const parts: string[] = [];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined)
      throw new WorkspaceFileError(`"${path}" leaves the workspace`);
  }
  return parts;
}

/** The path shown to the model for `parts`. */
export function shownPath(parts: readonly string[]): string {
  return parts.length ? `/workspace/${parts.join('/')}` : '/workspace';
}

/**
 * A file name for an inbound attachment: the sender's name reduced to a safe
 * basename, behind a random prefix nobody can predict (so nothing can be planted
 * at it in advance).
 */
export function inboundName(fileName: string, random: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const safe = base
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^\.+/, '')
    .slice(-100);
  return `${random}-${safe || 'file'}`;
}
