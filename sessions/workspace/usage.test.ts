/**
 * The workspace walk (usage.ts, usage-worker.ts) on real folders: what it counts,
 * where it stops, and that one thread serves every walk and leaves once idle.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { measureUsage } from './usage.js';
import { IDLE_MS, walkWorkerRunning } from './usage-worker.js';

const made: string[] = [];
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'parley-usage-'));
  made.push(root);
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'a'), Buffer.alloc(8192, 1));
  writeFileSync(join(root, 'sub', 'b'), Buffer.alloc(4096, 1));
  symlinkSync('/etc', join(root, 'link')); // counted as an entry, never followed
  return root;
}

afterEach(() => {
  vi.useRealTimers();
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('measureUsage', () => {
  it('counts every entry and the blocks of regular files, without following links', async () => {
    const usage = await measureUsage(tree(), 100);
    expect(usage).toEqual({ files: 4, bytes: expect.any(Number), complete: true });
    expect(usage.bytes).toBeGreaterThanOrEqual(12_288);
    expect(usage.bytes).toBeLessThan(1024 * 1024); // /etc was not walked
  });

  it('stops once more than maxFiles entries were seen', async () => {
    expect((await measureUsage(tree(), 2)).complete).toBe(false);
  });

  it('rejects with the error code of a missing folder, and the next walk still works', async () => {
    await expect(measureUsage(join(tmpdir(), 'parley-no-such-folder'), 10)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect((await measureUsage(tree(), 100)).files).toBe(4);
  });

  it('runs every walk on one thread that exits after IDLE_MS without work', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const root = tree();
    const [first, second] = await Promise.all([measureUsage(root, 100), measureUsage(root, 100)]);
    expect(second).toEqual(first);
    expect(walkWorkerRunning()).toBe(true); // kept for the next walk, not one thread per walk
    await measureUsage(root, 100);
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(walkWorkerRunning()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(walkWorkerRunning()).toBe(false);
    vi.useRealTimers();
    expect((await measureUsage(root, 100)).files).toBe(4); // a new thread starts on demand
    expect(walkWorkerRunning()).toBe(true);
  });
});
