/**
 * The workspace walk of usage.ts, run synchronously in a worker thread: tens of
 * thousands of lstat calls cost ~50 ms there instead of ~1 s of promise traffic on
 * the main thread, and the event loop never waits for them. The worker's code is
 * plain JavaScript (evaluated, so it runs the same under tsx and from dist/); it
 * walks through directory fds exactly like at.ts (O_DIRECTORY | O_NOFOLLOW, then
 * `/proc/self/fd/<fd>/<name>`), never following a link.
 */
import { Worker } from 'node:worker_threads';

/** What the worker does: `measure` (bytes + entries, capped) or `handOver` (lchown). */
export type WalkTask =
  | { kind: 'measure'; root: string; maxFiles: number; maxDepth: number }
  | { kind: 'handOver'; root: string; uid: number; gid: number };

export interface WalkResult {
  bytes: number;
  files: number;
  complete: boolean;
}

const WORKER_CODE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const C = fs.constants;
const DIR = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NONBLOCK;
const at = (fd, name) => '/proc/self/fd/' + fd + '/' + name;
const t = workerData;
const out = { bytes: 0, files: 0, complete: true };
function walk(fd, depth) {
  const dir = fs.opendirSync('/proc/self/fd/' + fd, { bufferSize: 256 });
  const folders = [];
  try {
    for (let e = dir.readSync(); e; e = dir.readSync()) {
      if (t.kind === 'handOver') {
        if (e.isFile()) try { fs.lchownSync(at(fd, e.name), t.uid, t.gid); } catch {}
        continue;
      }
      if (++out.files > t.maxFiles) { out.complete = false; return; }
      if (e.isDirectory()) folders.push(e.name);
      else if (e.isFile()) try { out.bytes += fs.lstatSync(at(fd, e.name)).blocks * 512; } catch {}
    }
  } finally { dir.closeSync(); }
  for (const name of folders) {
    if (!out.complete) return;
    if (depth >= t.maxDepth) { out.complete = false; return; }
    let child;
    try { child = fs.openSync(at(fd, name), DIR); } catch { continue; }
    try { walk(child, depth + 1); } finally { fs.closeSync(child); }
  }
}
const root = fs.openSync(t.root, DIR);
try {
  if (t.kind === 'handOver') {
    const s = fs.fstatSync(root);
    if (s.uid !== t.uid || s.gid !== t.gid) { walk(root, 0); fs.fchownSync(root, t.uid, t.gid); }
  } else walk(root, 0);
} finally { fs.closeSync(root); }
parentPort.postMessage(out);
`;

/** Runs `task` in a fresh worker thread; rejects with the worker's error. */
export function runWalk(task: WalkTask): Promise<WalkResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: task });
    worker.once('message', (result: WalkResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`workspace walk worker exited with ${code}`));
    });
  });
}
