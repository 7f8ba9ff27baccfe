/**
 * WAL checkpoints off the main thread. By default SQLite checkpoints inside
 * whichever commit grows the write-ahead log past 1,000 pages: that commit then
 * copies pages into the database file and waits for fsync, a stall of milliseconds
 * to hundreds of milliseconds in the middle of message handling. Parley turns
 * automatic checkpoints off on its connection (`openDatabase`) and runs this
 * checkpointer instead: a worker thread with its own connection that checkpoints
 * (PASSIVE: never blocking writers).
 *
 * How often: a checkpoint costs a wake-up of the worker and two fsyncs whatever its
 * size, so the worker aims at about `targetFrames` new WAL frames a checkpoint: every
 * `intervalMs` under heavy writing, up to `maxIntervalMs` apart under light writing.
 * On the Telegram bench (18 messages/s, 10–20 frames each) checkpoints every 5 s
 * instead of every 1 s cut the CPU per message from 4.4 to 3.9 ms, on the main
 * thread as well as the worker's. The WAL holds about `targetFrames` pages (8 MB of
 * 4 KB pages), or `intervalMs` of writes under a load that makes more.
 *
 * The worker lives only while there is something to write: the main thread looks
 * at the WAL file's modification time every `intervalMs` (five times less often
 * once nothing is written) and starts the worker when it changed; the worker exits
 * after `idleRounds` checkpoints in a row that found nothing new. An idle Parley
 * carries no extra thread (about 10 MB).
 *
 * @example
 * ```ts
 * const checkpointer = startCheckpointer('./data/parley.db', log)
 * await checkpointer.stop()  // waits for a running checkpoint; the close checkpoints the rest
 * ```
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

export interface Checkpointer {
  /** True while the worker thread exists. */
  readonly running: boolean;
  /** How long the WAL watch waits now between two looks at the file, ms. */
  readonly watchMs: number;
  /** The worker's wait before its next checkpoint, ms (undefined before its first). */
  readonly checkpointWaitMs: number | undefined;
  stop(): Promise<void>;
}

export interface CheckpointOptions {
  /** The shortest wait between two checkpoints, and the WAL watch's period, ms. */
  intervalMs?: number;
  /** The longest wait between two checkpoints while frames keep coming, ms. */
  maxIntervalMs?: number;
  /** New WAL frames a checkpoint aims to copy (the wait grows or shrinks towards it). */
  targetFrames?: number;
  /** Checkpoints in a row with no new WAL frames before the worker exits. */
  idleRounds?: number;
}

// Plain CommonJS, evaluated in the worker: it runs the same way under tsx, vitest and
// the compiled build. `module` is better-sqlite3 resolved from here.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const { intervalMs, maxIntervalMs, targetFrames, idleRounds } = workerData;
const db = new Database(workerData.path);
let idle = 0;
let last = 0;
let complete = true;
let wait = intervalMs;
let timer;
const finish = () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
};
const round = () => {
  let fresh = 0;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // After a complete checkpoint the next write starts the WAL over from its first frame.
    fresh = complete && result.log < last ? result.log : Math.max(result.log - last, 0);
    last = result.log;
    complete = result.checkpointed === result.log;
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
  // Idle only once everything is copied: a checkpoint a reader held back runs again.
  idle = fresh === 0 && complete ? idle + 1 : 0;
  if (idle >= idleRounds) return finish();
  // Nothing new: look again soon (and exit once idle); else wait for about targetFrames more.
  const paced = (wait * targetFrames) / Math.max(fresh, 1);
  wait = fresh === 0 ? intervalMs : Math.min(maxIntervalMs, Math.max(intervalMs, paced));
  parentPort.postMessage({ waitMs: wait });
  timer = setTimeout(round, wait);
};
timer = setTimeout(round, wait);
parentPort.on('message', finish);
`;

/** How much longer the WAL watch waits between checks once nothing is written. */
const IDLE_BACKOFF = 5;

export function startCheckpointer(
  path: string,
  log: Logger,
  {
    intervalMs = 1000,
    maxIntervalMs = 5 * intervalMs,
    targetFrames = 2000,
    idleRounds = 5,
  }: CheckpointOptions = {},
): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  let lastWrite = 0;
  let checkpointWaitMs: number | undefined;

  const spawn = () => {
    const current = new Worker(WORKER, {
      eval: true,
      workerData: { path, module, intervalMs, maxIntervalMs, targetFrames, idleRounds },
      // A small heap: the worker only runs SQLite's C code.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    current.unref();
    current.on('message', (message: { error?: string; waitMs?: number }) => {
      if (message.error) log.warn({ error: message.error }, 'WAL checkpoint failed');
      if (message.waitMs !== undefined) checkpointWaitMs = message.waitMs;
    });
    current.on('error', (error) => log.error({ err: error }, 'checkpoint worker failed'));
    exited = new Promise((resolve) =>
      current.once('exit', () => {
        if (worker === current) worker = undefined;
        resolve();
      }),
    );
    worker = current;
  };

  // Checked every `intervalMs`; after `idleRounds` checks without a write and with no
  // worker, every `IDLE_BACKOFF` × `intervalMs`, so a quiet Parley wakes less often
  // (a write then waits up to 5 s for its first checkpoint instead of 1 s).
  let unchanged = 0;
  let watchMs = intervalMs;
  let watch: NodeJS.Timeout;
  const check = () => {
    const written = statSync(`${path}-wal`, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (written === lastWrite) unchanged++;
    else {
      unchanged = 0;
      lastWrite = written;
      if (!worker) spawn();
    }
    watchMs = unchanged >= idleRounds && !worker ? intervalMs * IDLE_BACKOFF : intervalMs;
    watch = setTimeout(check, watchMs);
    watch.unref();
  };
  watch = setTimeout(check, intervalMs);
  watch.unref();

  return {
    get running() {
      return worker !== undefined;
    },
    get watchMs() {
      return watchMs;
    },
    get checkpointWaitMs() {
      return checkpointWaitMs;
    },
    stop: async () => {
      clearTimeout(watch);
      worker?.postMessage('stop');
      await exited;
    },
  };
}
