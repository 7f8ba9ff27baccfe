/**
 * The workspace walk of usage.ts, run synchronously in a worker thread: tens of
 * thousands of lstat calls cost ~50 ms there instead of ~1 s of promise traffic on
 * the main thread, and the event loop never waits for them. The worker's code is
 * plain JavaScript (evaluated, so it runs the same under tsx and from dist/); it
 * walks through directory fds exactly like at.ts (O_DIRECTORY | O_NOFOLLOW, then
 * `/proc/self/fd/<fd>/<name>`), never following a link.
 *
 * One worker serves every walk, one at a time, and exits after {@link IDLE_MS}
 * without work: booting a thread per walk (a call measures its workspace after
 * every command) cost ~20 ms of CPU each time, and its start and exit ran on the
 * main thread too. An idle Parley carries no extra thread.
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

/** The worker exits after this long without a walk. */
export const IDLE_MS = 30_000;

const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const C = fs.constants;
const DIR = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NONBLOCK;
const at = (fd, name) => '/proc/self/fd/' + fd + '/' + name;
function run(t) {
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
  return out;
}
parentPort.on('message', ({ id, task }) => {
  try { parentPort.postMessage({ id, result: run(task) }); }
  catch (e) { parentPort.postMessage({ id, error: { message: String((e && e.message) || e), code: e && e.code } }); }
});
`;

type Reply =
  | { id: number; result: WalkResult }
  | { id: number; error: { message: string; code?: string } };

interface Pending {
  resolve: (result: WalkResult) => void;
  reject: (error: Error) => void;
}

/** The shared walk thread: started on demand, gone after {@link IDLE_MS} idle. */
class WalkWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;

  /** True while the thread exists (tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  run(task: WalkTask): Promise<WalkResult> {
    const worker = this.worker ?? this.start();
    clearTimeout(this.idle);
    worker.ref(); // a pending walk keeps the process alive, an idle worker does not
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, task });
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_CODE, { eval: true });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.once('error', (error) => this.fail(worker, error));
    worker.once('exit', (code) =>
      this.fail(worker, new Error(`workspace walk worker exited with ${code}`)),
    );
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if ('result' in reply) waiting?.resolve(reply.result);
    else waiting?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    if (this.pending.size > 0 || !this.worker) return;
    this.worker.unref();
    const worker = this.worker;
    this.idle = setTimeout(() => {
      this.worker = undefined; // the next walk starts a new thread, never this dying one
      void worker.terminate();
    }, IDLE_MS).unref();
  }

  /** The thread died: every walk it had fails, the next one starts a new thread. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    clearTimeout(this.idle);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

const shared = new WalkWorker();

/** Runs `task` on the shared walk thread; rejects with the walk's error. */
export function runWalk(task: WalkTask): Promise<WalkResult> {
  return shared.run(task);
}

/** Whether the walk thread exists right now (tests). */
export function walkWorkerRunning(): boolean {
  return shared.running;
}
