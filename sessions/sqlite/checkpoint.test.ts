import { statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/harness.js';
import { until } from '../../test/wait.js';
import { startCheckpointer } from './checkpoint.js';
import { openDatabase } from './db.js';

function fill(path: string) {
  const db = openDatabase(path, { autoCheckpoint: false });
  db.exec('CREATE TABLE filler (v TEXT)');
  const insert = db.prepare('INSERT INTO filler VALUES (?)');
  for (let i = 0; i < 3000; i++) insert.run('x'.repeat(2000));
  return db;
}

describe('checkpointer', () => {
  it('leaves the WAL alone on a connection without automatic checkpoints', () => {
    const path = join(tempDir(), 'parley.db');
    const db = fill(path);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(4_000_000);
    expect(statSync(path).size).toBeLessThan(1_000_000);
    db.close();
  });

  it('copies the WAL into the database file from a worker that exits once idle', async () => {
    const path = join(tempDir(), 'parley.db');
    const db = fill(path);
    const checkpointer = startCheckpointer(path, pino({ level: 'silent' }), {
      intervalMs: 50,
      idleRounds: 3,
    });
    await until(() => statSync(path).size > 4_000_000, 10_000, { what: 'checkpoint' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM filler').get()).toEqual({ n: 3000 });
    await until(() => !checkpointer.running, 10_000, { what: 'idle worker exit' });
    db.prepare('INSERT INTO filler VALUES (?)').run('woken');
    await until(() => checkpointer.running, 10_000, { what: 'worker restart on a write' });
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    db.close();
  });

  it('looks at the WAL less often while nothing is written, and every interval again after a write', async () => {
    const path = join(tempDir(), 'parley.db');
    const db = openDatabase(path, { autoCheckpoint: false });
    db.exec('CREATE TABLE t (v TEXT)');
    const checkpointer = startCheckpointer(path, pino({ level: 'silent' }), {
      intervalMs: 50,
      idleRounds: 2,
    });
    expect(checkpointer.watchMs).toBe(50);
    await until(() => checkpointer.watchMs === 250, 10_000, { what: 'watch backs off' });
    expect(checkpointer.running).toBe(false);
    db.prepare('INSERT INTO t VALUES (?)').run('late');
    await until(() => checkpointer.running, 10_000, { what: 'worker start on a write' });
    expect(checkpointer.watchMs).toBe(50);
    await checkpointer.stop();
    db.close();
  });

  it('checkpoints less often while little is written, and every interval again under heavy writing', async () => {
    const path = join(tempDir(), 'parley.db');
    const db = openDatabase(path, { autoCheckpoint: false });
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const checkpointer = startCheckpointer(path, pino({ level: 'silent' }), {
      intervalMs: 50,
      maxIntervalMs: 400,
      targetFrames: 1000,
      idleRounds: 1000,
    });
    // A row every 20 ms: a few frames a round, far below the target.
    const light = setInterval(() => insert.run('x'), 20);
    await until(() => checkpointer.checkpointWaitMs === 400, 10_000, { what: 'wait grows' });
    clearInterval(light);
    // Thousands of frames a round: back to the shortest wait.
    const heavy = setInterval(() => {
      for (let i = 0; i < 200; i++) insert.run('y'.repeat(3000));
    }, 20);
    await until(() => checkpointer.checkpointWaitMs === 50, 10_000, { what: 'wait shrinks' });
    clearInterval(heavy);
    await checkpointer.stop();
    db.close();
  });
});
