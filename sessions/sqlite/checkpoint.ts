/**
 * WAL checkpoints off the main thread. By default SQLite checkpoints inside
 * whichever commit grows the write-ahead log past 1,000 pages: that commit then
 * copies pages into the database file and waits for fsync, a stall of milliseconds
 * to hundreds of milliseconds in the middle of message handling. Parley turns
 * automatic checkpoints off on its connection (`openDatabase`) and runs this
 * checkpointer instead: a worker thread with its own connection that checkpoints
 * (PASSIVE: never blocking writers) every `intervalMs`.
 *
 * The worker lives only while there is something to write: the main thread looks
 * at the WAL file's modification time every `intervalMs` (five times less often
 * once nothing is written) and starts the worker when it changed; the worker exits after `idleRounds` checkpoints that found nothing
 * new. An idle Parley carries no extra thread (about 10 MB).
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
  stop(): Promise<void>;
}

export interface CheckpointOptions {
  intervalMs?: number;
  /** Checkpoints in a row with no new WAL frames before the worker exits. */
  idleRounds?: number;
}

// Plain CommonJS, evaluated in the worker: it runs the same way under tsx, vitest and
// the compiled build. `module` is better-sqlite3 resolved from here.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
let idle = 0;
let last = -1;
const finish = () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
};
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    idle = result.log === last && result.checkpointed === result.log ? idle + 1 : 0;
    last = result.log;
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
  if (idle >= workerData.idleRounds) finish();
}, workerData.intervalMs);
parentPort.on('message', finish);
`;

/** How much longer the WAL watch waits between checks once nothing is written. */
const IDLE_BACKOFF = 5;

export function startCheckpointer(
  path: string,
  log: Logger,
  { intervalMs = 1000, idleRounds = 5 }: CheckpointOptions = {},
): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  let lastWrite = 0;

  const spawn = () => {
    const current = new Worker(WORKER, {
      eval: true,
      workerData: { path, module, intervalMs, idleRounds },
      // A small heap: the worker only runs SQLite's C code.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    current.unref();
    current.on('message', (message: { error?: string }) => {
      if (message.error) log.warn({ error: message.error }, 'WAL checkpoint failed');
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
    stop: async () => {
      clearTimeout(watch);
      worker?.postMessage('stop');
      await exited;
    },
  };
}
