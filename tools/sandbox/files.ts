/**
 * File tools on the conversation's workspace: `read_file`, `write_file`,
 * `list_files`. They run on the host through the workspace module
 * (`sessions/workspace/`), which never follows a symlink, never blocks on a FIFO
 * or device and writes through a private staging folder; they never execute
 * anything. Reading is capped like command output; writing refuses when the
 * workspace is full (quota.ts).
 */
import { z } from 'zod';
import { CappedOutput } from '../../sandbox/output.js';
import { WorkspaceFileError } from '../../sessions/workspace/index.js';
import { defineTool, type ToolResult } from '../registry.js';
import { type SandboxToolDeps, workspaceOf } from './deps.js';

const LIST_CAP = 500;

const pathArg = z
  .string()
  .min(1)
  .max(4096)
  .describe('Path relative to /workspace (or absolute under /workspace)');

/** Runs a file operation, turning refusals and fs errors into tool errors. */
async function guarded(path: string, action: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WorkspaceFileError) return { content: error.message, isError: true };
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { content: `${code}: cannot access "${path}"`, isError: true };
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
      return guarded(path, async () => {
        const workspace = await workspaceOf(deps, context.conversationKey);
        const { data, size } = await workspace.readFile(path, limit * 4);
        const out = new CappedOutput(limit);
        out.write(data);
        const text = out.text();
        const rest = size - data.length;
        const marker = rest > 0 && !out.truncated ? `\n…[file continues: ${rest} more bytes]` : '';
        return { content: deps.redactor.redact(text + marker) };
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
      return guarded(path, async () => {
        const workspace = await workspaceOf(deps, context.conversationKey);
        const bytes = Buffer.byteLength(content);
        await deps.sandbox.quota.ensureRoom(workspace.root, bytes);
        const shown = await workspace.writeFile(path, content);
        return { content: `wrote ${bytes} bytes to ${shown}` };
      });
    },
  });
}

export function listFilesTool(deps: SandboxToolDeps) {
  return defineTool({
    name: 'list_files',
    description: `Lists a folder of this conversation's workspace (/workspace): name, type, size (first ${LIST_CAP} entries).`,
    policy: 'auto',
    schema: z.object({ path: pathArg.default('.') }),
    async run({ path }, context) {
      return guarded(path, async () => {
        const workspace = await workspaceOf(deps, context.conversationKey);
        const listing = await workspace.list(path, LIST_CAP);
        const lines = listing.entries.map((e) => `${e.type}\t${e.size ?? ''}\t${e.name}`);
        const count = listing.more
          ? `first ${LIST_CAP} entries; more not shown`
          : `${listing.entries.length} entries`;
        const header = `${listing.shown} (${count})`;
        return { content: deps.redactor.redact([header, ...lines].join('\n')) };
      });
    },
  });
}
