/**
 * Directory-relative file access without following symbolic links: the bottom of
 * the workspace module. Node has no `openat`, so a directory is held open by fd
 * (opened with O_DIRECTORY | O_NOFOLLOW) and the next component is reached as
 * `/proc/self/fd/<fd>/<name>`: the kernel jumps straight to the held directory
 * (a "magic" link, no path re-resolution) and looks `name` up there, with
 * O_NOFOLLOW applying to it. Walking a path one component at a time this way
 * never follows a symlink anywhere, even if the sandbox swapped one in.
 *
 * Every open is O_NONBLOCK, so a FIFO, device or socket planted by the sandbox
 * can never stall the event loop; callers accept regular files only.
 */
import { existsSync, constants as fs } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';

/** A refusal worth showing to the model as it is ("… is a symbolic link: refused"). */
export class WorkspaceFileError extends Error {
  override name = 'WorkspaceFileError';
}

const HAS_PROC_FD = existsSync('/proc/self/fd');

/** The path of `name` inside the directory held by `dir` (one component, never `/`). */
export function at(dir: { fd: number }, name: string): string {
  if (!HAS_PROC_FD) throw new WorkspaceFileError('workspace access needs Linux /proc/self/fd');
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new WorkspaceFileError(`invalid path component "${name}"`);
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** The path of the directory held by `dir` itself (for opendir). */
export function self(dir: { fd: number }): string {
  return `/proc/self/fd/${dir.fd}`;
}

export const DIR_FLAGS = fs.O_RDONLY | fs.O_DIRECTORY | fs.O_NOFOLLOW | fs.O_NONBLOCK;
export const READ_FLAGS = fs.O_RDONLY | fs.O_NOFOLLOW | fs.O_NONBLOCK;
export const CREATE_FLAGS = fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW | fs.O_NONBLOCK;

/** Opens a directory (absolute host path, trusted: Parley's own data folder). */
export function openDirPath(path: string): Promise<FileHandle> {
  return open(path, DIR_FLAGS);
}

/** Opens the sub-directory `name` of `dir`; refuses a symlink or a non-directory. */
export async function openChildDir(dir: FileHandle, name: string, shown: string) {
  try {
    return await open(at(dir, name), DIR_FLAGS);
  } catch (error) {
    // O_DIRECTORY | O_NOFOLLOW on a symlink answers ENOTDIR: say which it was.
    const link = await lstat(at(dir, name)).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    throw link
      ? new WorkspaceFileError(`"${shown}" is a symbolic link: refused`)
      : explain(error, shown);
  }
}

/** What a non-regular file is, in words. */
export function kindOf(stats: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** An fs error turned into a refusal the model can act on; others pass through. */
export function explain(error: unknown, shown: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new WorkspaceFileError(`"${shown}" is a symbolic link: refused`);
  if (code === 'ENOTDIR') return new WorkspaceFileError(`"${shown}" is not a folder`);
  if (code === 'ENOENT') return new WorkspaceFileError(`"${shown}" does not exist`);
  if (code === 'ENXIO' || code === 'EOPNOTSUPP')
    return new WorkspaceFileError(`"${shown}" is not a regular file: refused`);
  return error as Error;
}
