/**
 * Path confinement for the file tools, which run on the host (no container needed
 * to read or write a file). A path is accepted only when it stays inside the
 * conversation's workspace both lexically (no `..` out, absolute paths only under
 * `/workspace`) and physically (the real path of the target, or of its deepest
 * existing ancestor, is inside the workspace's real path: symlinks pointing out are
 * rejected). Files are then opened with O_NOFOLLOW.
 *
 * No container of the conversation runs while a file tool does (a conversation's
 * tool calls are sequential and each container is removed before its call returns),
 * so nothing can swap a checked path for a symlink between check and open.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';

export class WorkspacePathError extends Error {
  override name = 'WorkspacePathError';
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `path` as the model wrote it → a path relative to the workspace, or an error. */
function lexical(path: string): string {
  if (path.includes('\0')) throw new WorkspacePathError('path contains a NUL byte');
  let rel = path.trim();
  if (rel === '/workspace' || rel.startsWith('/workspace/')) rel = rel.slice('/workspace'.length);
  else if (isAbsolute(rel))
    throw new WorkspacePathError(`"${path}" is outside the workspace (use paths under /workspace)`);
  let depth = 0;
  for (const part of rel.split('/')) {
    depth += part === '..' ? -1 : part && part !== '.' ? 1 : 0;
    if (depth < 0) throw new WorkspacePathError(`"${path}" leaves the workspace`);
  }
  return posix.normalize(`/${rel}`).slice(1);
}

/**
 * The host path of `path` inside `root`, after lexical and symlink checks.
 * Throws WorkspacePathError when it would escape.
 */
export function resolveInWorkspace(root: string, path: string): string {
  const realRoot = realpathSync(root);
  const target = join(realRoot, lexical(path));
  let probe = target;
  while (!existsSync(probe) && probe !== realRoot) {
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  let real: string;
  try {
    real = realpathSync(probe);
  } catch {
    throw new WorkspacePathError(`"${path}" is a broken symbolic link`);
  }
  if (!inside(realRoot, real))
    throw new WorkspacePathError(`"${path}" resolves outside the workspace (symbolic link)`);
  return probe === target ? real : join(real, relative(probe, target));
}

/** The path shown to the model for a host path inside `root`. */
export function displayPath(root: string, hostPath: string): string {
  const rel = relative(realpathSync(root), hostPath);
  return rel ? `/workspace/${rel.split(sep).join('/')}` : '/workspace';
}
