/**
 * File tools on the conversation's workspace: `read_file`, `write_file`,
 * `list_files`. They run on the host, confined by workspace-path.ts (lexical +
 * realpath checks, O_NOFOLLOW opens); they never execute anything. Reading is
 * capped like command output; written files are handed to the sandbox user so
 * later `shell` calls can change them.
 */
import {
  chownSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { sandboxUser } from '../../sandbox/container-spec.js';
import { CappedOutput } from '../../sandbox/output.js';
import { defineTool, type ToolResult } from '../registry.js';
import { type SandboxToolDeps, workspaceOf } from './deps.js';
import { displayPath, resolveInWorkspace, WorkspacePathError } from './workspace-path.js';

const pathArg = z
  .string()
  .min(1)
  .max(4096)
  .describe('Path relative to /workspace (or absolute under /workspace)');

/** Runs a file operation, turning escapes and fs errors into tool errors. */
function guarded(action: () => ToolResult): ToolResult {
  try {
    return action();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (error instanceof WorkspacePathError) return { content: err.message, isError: true };
    if (err.code === 'ELOOP')
      return { content: 'refused: the path is a symbolic link', isError: true };
    return { content: `${err.code ?? 'error'}: ${err.message}`, isError: true };
  }
}

export function readFileTool(deps: SandboxToolDeps) {
  const limit = deps.sandbox.config.outputLimitChars;
  return defineTool({
    name: 'read_file',
    description: `Reads a text file from this conversation's workspace (/workspace). Shows at most ${limit} characters.`,
    policy: 'auto',
    schema: z.object({ path: pathArg }),
    async run({ path }, context) {
      const root = workspaceOf(deps, context.conversationKey);
      return guarded(() => {
        const fd = openSync(
          resolveInWorkspace(root, path),
          constants.O_RDONLY | constants.O_NOFOLLOW,
        );
        try {
          if (!fstatSync(fd).isFile()) return { content: `"${path}" is not a file`, isError: true };
          const out = new CappedOutput(limit);
          const buffer = Buffer.alloc(64 * 1024);
          for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
            out.write(buffer.subarray(0, n));
            if (out.totalBytes > limit * 4) break;
          }
          return { content: deps.redactor.redact(out.text()) };
        } finally {
          closeSync(fd);
        }
      });
    },
  });
}

export function writeFileTool(deps: SandboxToolDeps) {
  return defineTool({
    name: 'write_file',
    description:
      "Writes (creates or replaces) a text file in this conversation's workspace (/workspace); missing folders are created.",
    policy: 'ask',
    schema: z.object({ path: pathArg, content: z.string().max(1_000_000) }),
    async run({ path, content }, context) {
      const root = workspaceOf(deps, context.conversationKey);
      return guarded(() => {
        const target = resolveInWorkspace(root, path);
        mkdirSync(dirname(target), { recursive: true });
        resolveInWorkspace(root, path); // the folders just created are real, re-check
        const flags =
          constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
        const fd = openSync(target, flags, 0o664);
        try {
          writeSync(fd, content);
        } finally {
          closeSync(fd);
        }
        handOver(root, target);
        return {
          content: `wrote ${Buffer.byteLength(content)} bytes to ${displayPath(root, target)}`,
        };
      });
    },
  });

  function handOver(root: string, target: string): void {
    if (process.getuid?.() !== 0) return;
    const { uid, gid } = sandboxUser(deps.sandbox.config.user);
    const realRoot = realpathSync(root);
    for (let dir = target; dir.startsWith(realRoot) && dir !== realRoot; dir = dirname(dir))
      chownSync(dir, uid, gid);
  }
}

export function listFilesTool(deps: SandboxToolDeps) {
  return defineTool({
    name: 'list_files',
    description: "Lists a folder of this conversation's workspace (/workspace): name, type, size.",
    policy: 'auto',
    schema: z.object({ path: pathArg.default('.') }),
    async run({ path }, context) {
      const root = workspaceOf(deps, context.conversationKey);
      return guarded(() => {
        const dir = resolveInWorkspace(root, path);
        const entries = readdirSync(dir, { withFileTypes: true }).slice(0, 500);
        const lines = entries.map((entry) => {
          const type = entry.isSymbolicLink() ? 'symlink' : entry.isDirectory() ? 'dir' : 'file';
          const size = type === 'file' ? String(lstatSync(join(dir, entry.name)).size) : '';
          return `${type}\t${size}\t${entry.name}`;
        });
        const header = `${displayPath(root, dir)} (${entries.length} entries)`;
        return { content: deps.redactor.redact([header, ...lines].join('\n')) };
      });
    },
  });
}
