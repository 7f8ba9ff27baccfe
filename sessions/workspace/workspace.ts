/**
 * One conversation's workspace as the host sees it: the only way Parley reads,
 * writes or lists files a sandbox container can also touch (file tools, channel
 * downloads). Treats the folder as hostile:
 *
 * - every path is walked component by component through directory fds, never
 *   following a symlink (at.ts), so a link planted by a container leads nowhere;
 * - opens are non-blocking and only regular files are read or replaced: a FIFO,
 *   device or socket is refused with a clear error instead of freezing Parley;
 * - new files are created with O_EXCL in a private staging folder outside every
 *   workspace, then renamed (replace) or hard-linked (never replace) into place;
 * - inbound attachments get a random name prefix nobody can predict;
 * - listings stream and stop at their cap.
 *
 * When Parley runs as root, what it creates is given to the workspace folder's
 * owner (the container user, see usage.ts `handOverWorkspace`).
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { link, lstat, mkdir, open, opendir, rename, unlink } from 'node:fs/promises';
import {
  at,
  CREATE_FLAGS,
  explain,
  kindOf,
  openChildDir,
  openDirPath,
  READ_FLAGS,
  self,
  WorkspaceFileError,
} from './at.js';
import { components, inboundName, shownPath } from './path.js';

export interface ListedEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Size in bytes (files only). */
  size?: number;
}

export interface Listing {
  shown: string;
  entries: ListedEntry[];
  /** More entries exist than the cap let through. */
  more: boolean;
}

/** lstat calls in flight at once while listing (the libuv pool has 4 threads). */
const STAT_BATCH = 32;

/** A fresh random token (file name prefixes, staging names). */
export function randomToken(): string {
  return randomBytes(9).toString('base64url');
}

export class Workspace {
  constructor(
    /** Host path of the workspace folder. */
    readonly root: string,
    /** Private folder (same filesystem, never mounted anywhere) for new files. */
    private readonly staging: string,
  ) {}

  /** Up to `maxBytes` of the regular file at `path`, and its full size. */
  async readFile(path: string, maxBytes: number): Promise<{ data: Buffer; size: number }> {
    const parts = components(path);
    return this.inParent(parts, false, async (dir, name, shown) => {
      const file = await open(at(dir, name), READ_FLAGS).catch((error) => {
        throw explain(error, shown);
      });
      try {
        const stat = await file.stat();
        if (!stat.isFile()) throw new WorkspaceFileError(`"${shown}" is ${kindOf(stat)}: refused`);
        const data = Buffer.alloc(Math.min(maxBytes, stat.size));
        let filled = 0;
        while (filled < data.length) {
          const { bytesRead } = await file.read(data, filled, data.length - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return { data: data.subarray(0, filled), size: stat.size };
      } finally {
        await file.close();
      }
    });
  }

  /** Creates or replaces the regular file at `path` (missing folders created); returns its shown path. */
  async writeFile(path: string, data: Uint8Array | string): Promise<string> {
    const parts = components(path);
    return this.inParent(parts, true, async (dir, name, shown) => {
      const existing = await lstat(at(dir, name)).catch(() => undefined);
      if (existing && !existing.isFile())
        throw new WorkspaceFileError(`"${shown}" is ${kindOf(existing)}: refused`);
      await this.placeNew(dir, name, data, 0o664, 'replace');
      return shown;
    });
  }

  /** Saves an inbound attachment under a random, unpredictable name; returns its host path. */
  async saveInbound(fileName: string, data: Uint8Array): Promise<string> {
    const name = inboundName(fileName, randomToken());
    const dir = await openDirPath(this.root);
    try {
      await this.placeNew(dir, name, data, 0o660, 'never-replace');
    } finally {
      await dir.close();
    }
    return `${this.root}/${name}`;
  }

  /**
   * Deletes the entry `name` at the workspace root (an inbound attachment), never
   * following a link: a link planted there is removed itself, a folder is left alone.
   * False when there was nothing to delete.
   */
  async removeInbound(name: string): Promise<boolean> {
    const dir = await openDirPath(this.root);
    try {
      await unlink(at(dir, name));
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EPERM') return false;
      throw error;
    } finally {
      await dir.close();
    }
  }

  /** The first `cap` entries of the folder at `path`, streamed. */
  async list(path: string, cap: number): Promise<Listing> {
    const parts = components(path);
    const dir = await this.openFolder(parts, false);
    try {
      const entries: ListedEntry[] = [];
      let more = false;
      for await (const entry of await opendir(self(dir), { bufferSize: 128 })) {
        if (entries.length >= cap) {
          more = true;
          break;
        }
        const type = entry.isSymbolicLink()
          ? 'symlink'
          : entry.isDirectory()
            ? 'dir'
            : entry.isFile()
              ? 'file'
              : 'other';
        entries.push({ name: entry.name, type });
      }
      await this.sizeFiles(dir, entries);
      return { shown: shownPath(parts), entries, more };
    } finally {
      await dir.close();
    }
  }

  /**
   * Sets the size of the listed files, {@link STAT_BATCH} lstat calls at a time:
   * issuing all 500 of a capped listing at once held the event loop ~5 ms.
   */
  private async sizeFiles(dir: FileHandle, entries: ListedEntry[]): Promise<void> {
    const files = entries.filter((entry) => entry.type === 'file');
    for (let i = 0; i < files.length; i += STAT_BATCH)
      await Promise.all(
        files.slice(i, i + STAT_BATCH).map(async (entry) => {
          entry.size = (await lstat(at(dir, entry.name)).catch(() => undefined))?.size;
        }),
      );
  }

  /** Opens the folder of `parts[..-1]` and runs `action` on the last component. */
  private async inParent<T>(
    parts: string[],
    create: boolean,
    action: (dir: FileHandle, name: string, shown: string) => Promise<T>,
  ): Promise<T> {
    const name = parts.at(-1);
    if (!name) throw new WorkspaceFileError('"/workspace" is a folder, not a file');
    const dir = await this.openFolder(parts.slice(0, -1), create);
    try {
      return await action(dir, name, shownPath(parts));
    } finally {
      await dir.close();
    }
  }

  /** Walks `parts` from the root without following links; creates missing folders if asked. */
  private async openFolder(parts: string[], create: boolean): Promise<FileHandle> {
    let dir = await openDirPath(this.root);
    const owner = create ? await this.ownerOf(dir) : undefined;
    for (let i = 0; i < parts.length; i++) {
      const shown = shownPath(parts.slice(0, i + 1));
      try {
        if (create) await this.makeFolder(dir, parts[i]!, owner);
        const next = await openChildDir(dir, parts[i]!, shown);
        await dir.close();
        dir = next;
      } catch (error) {
        await dir.close();
        throw error;
      }
    }
    return dir;
  }

  private async makeFolder(dir: FileHandle, name: string, owner: Owner | undefined) {
    try {
      await mkdir(at(dir, name), 0o775);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return; // checked when opened
      throw error;
    }
    if (owner) {
      const child = await openChildDir(dir, name, name);
      await child.chown(owner.uid, owner.gid).finally(() => child.close());
    }
  }

  /** Writes `data` to a new staging file, then moves it to `name` in `dir`. */
  private async placeNew(
    dir: FileHandle,
    name: string,
    data: Uint8Array | string,
    mode: number,
    how: 'replace' | 'never-replace',
  ): Promise<void> {
    await mkdir(this.staging, { recursive: true, mode: 0o700 });
    const staging = await openDirPath(this.staging);
    const staged = at(staging, `${randomToken()}.tmp`);
    try {
      const file = await open(staged, CREATE_FLAGS, mode);
      try {
        await file.writeFile(data);
        const owner = await this.ownerOf(dir);
        if (owner) await file.chown(owner.uid, owner.gid);
      } finally {
        await file.close();
      }
      if (how === 'replace') await rename(staged, at(dir, name));
      else await link(staged, at(dir, name));
    } finally {
      await unlink(staged).catch(() => {});
      await staging.close();
    }
  }

  /** Who new entries should belong to: the workspace folder's owner, when Parley is root. */
  private async ownerOf(dir: FileHandle): Promise<Owner | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const stat = await dir.stat();
    return { uid: stat.uid, gid: stat.gid };
  }
}

interface Owner {
  uid: number;
  gid: number;
}
