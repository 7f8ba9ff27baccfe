/**
 * The workspace file tools run on the host: every escape (traversal, absolute
 * paths, symlinks anywhere in a path) must be refused, and a FIFO or socket
 * planted in the workspace must be refused without blocking.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { testSandboxConfig } from '../../sandbox/testing.js';
import { workspaceFor } from '../../sessions/workspace/index.js';
import { Redactor } from '../redact.js';
import type { ToolContext } from '../registry.js';
import type { SandboxToolDeps } from './deps.js';
import { listFilesTool, readFileTool, writeFileTool } from './files.js';

const context: ToolContext = {
  sessionId: 1,
  conversationKey: 'web:local:c1',
  channel: 'web',
  senderId: 'u1',
  signal: new AbortController().signal,
};

describe('workspace file tools', () => {
  let dataDir: string;
  let workspace: string;
  let outside: string;
  let deps: SandboxToolDeps;
  let read: ReturnType<typeof readFileTool>;
  let write: ReturnType<typeof writeFileTool>;
  let list: ReturnType<typeof listFilesTool>;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-'));
    workspace = workspaceFor(dataDir, context.conversationKey);
    outside = mkdtempSync(join(tmpdir(), 'parley-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'outside-secret');
    deps = {
      sandbox: new DockerSandbox(testSandboxConfig({ outputLimitChars: 100 })),
      dataDir,
      redactor: new Redactor(['sk-redact-me-please']),
    };
    read = readFileTool(deps);
    write = writeFileTool(deps);
    list = listFilesTool(deps);
  });

  it('writes, reads and lists inside the workspace (also via /workspace/…)', async () => {
    expect((await write.run({ path: 'a/b.txt', content: 'hello' }, context)).isError).toBeFalsy();
    expect(readFileSync(join(workspace, 'a', 'b.txt'), 'utf8')).toBe('hello');
    expect((await read.run({ path: '/workspace/a/b.txt' }, context)).content).toBe('hello');
    const listing = await list.run({ path: 'a' }, context);
    expect(listing.content).toContain('file\t5\tb.txt');
  });

  it.each(['../../etc/passwd', '/etc/passwd', 'a/../../x', '/workspace/../etc/passwd'])(
    'refuses the traversal %s',
    async (path) => {
      for (const result of [
        await read.run({ path }, context),
        await write.run({ path, content: 'x' }, context),
        await list.run({ path }, context),
      ]) {
        expect(result.isError).toBe(true);
        expect(result.content).toMatch(/outside the workspace|leaves the workspace/);
      }
    },
  );

  it('refuses symlinks that point outside, for files and folders', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link.txt'));
    symlinkSync(outside, join(workspace, 'dir'));
    const reads = [
      await read.run({ path: 'link.txt' }, context),
      await read.run({ path: 'dir/secret.txt' }, context),
      await list.run({ path: 'dir' }, context),
    ];
    for (const result of reads) {
      expect(result.isError).toBe(true);
      expect(result.content).not.toContain('outside-secret');
      expect(result.content).toMatch(/symbolic link/);
    }
    const writes = [
      await write.run({ path: 'link.txt', content: 'pwned' }, context),
      await write.run({ path: 'dir/new.txt', content: 'pwned' }, context),
      await write.run({ path: 'dir/sub/new.txt', content: 'pwned' }, context),
    ];
    for (const result of writes) expect(result.isError).toBe(true);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside-secret');
    expect(() => readFileSync(join(outside, 'new.txt'))).toThrow();
    expect((await list.run({ path: '.' }, context)).content).toMatch(/symlink\t\tlink\.txt/);
  });

  it('never follows a symlink, even one that stays inside the workspace', async () => {
    mkdirSync(join(workspace, 'real'));
    writeFileSync(join(workspace, 'real', 'f.txt'), 'inside');
    symlinkSync(join(workspace, 'real'), join(workspace, 'alias'));
    symlinkSync('real/f.txt', join(workspace, 'f-link'));
    expect((await read.run({ path: 'real/f.txt' }, context)).content).toBe('inside');
    for (const path of ['alias/f.txt', 'f-link']) {
      const result = await read.run({ path }, context);
      expect(result.isError).toBe(true);
      expect(result.content).toMatch(/symbolic link: refused/);
    }
  });

  it('refuses FIFOs and sockets without blocking, for reading and writing', async () => {
    execFileSync('mkfifo', [join(workspace, 'r.fifo')]);
    const server = createServer().listen(join(workspace, 's.sock'));
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      for (const path of ['r.fifo', 's.sock']) {
        const results = [
          await read.run({ path }, context),
          await write.run({ path, content: 'x' }, context),
        ];
        for (const result of results) {
          expect(result.isError).toBe(true);
          expect(result.content).toMatch(/FIFO|socket|not a regular file/);
        }
      }
    } finally {
      server.close();
    }
  });

  it('writes into place through staging: a planted symlink is replaced, not followed', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(workspace, 'planted'));
    const result = await write.run({ path: 'planted', content: 'new' }, context);
    expect(result.isError).toBe(true);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside-secret');
    await write.run({ path: 'a/new.txt', content: 'fresh' }, context);
    expect(readdirSync(join(dataDir, 'workspaces', '.staging'))).toEqual([]);
  });

  it('lists at most 500 entries of a large folder and says there are more', async () => {
    mkdirSync(join(workspace, 'many'));
    for (let i = 0; i < 600; i++) writeFileSync(join(workspace, 'many', `f${i}`), '');
    const listing = (await list.run({ path: 'many' }, context)).content.split('\n');
    expect(listing[0]).toBe('/workspace/many (first 500 entries; more not shown)');
    expect(listing).toHaveLength(501);
  });

  it('caps what it reads and redacts secrets', async () => {
    writeFileSync(join(workspace, 'big.txt'), `sk-redact-me-please ${'z'.repeat(5000)}`);
    const result = await read.run({ path: 'big.txt' }, context);
    expect(result.content.startsWith('[redacted] zzz')).toBe(true);
    expect(result.content).toMatch(/…\[output truncated: showing 100 characters/);
  });
});
