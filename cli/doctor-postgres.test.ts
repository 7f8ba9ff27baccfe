import { describe, expect, it } from 'vitest';
import { openPostgresStores } from '../sessions/postgres/index.js';
import { testConfig } from '../test/harness.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { runDoctor } from './doctor.js';

const storageOf = <T extends { name: string }>(results: T[]) =>
  results.find((r) => r.name === 'postgres');

describe.skipIf(!postgres.available)(`parley doctor on Postgres ${postgres.skipReason}`, () => {
  it('reports the connection and the schema version, before and after the first start', async () => {
    const url = await freshSchema();
    const config = testConfig({ storage: { driver: 'postgres', url } });
    const out: string[] = [];
    const before = await runDoctor(config, { out: (l) => out.push(l), timeoutMs: 5000 });
    expect(storageOf(before.results)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/schema version 0 \(will be migrated to \d+ at start\)/),
    });
    await (await openPostgresStores(url)).close();
    const after = await runDoctor(config, { out: () => {}, timeoutMs: 5000 });
    expect(storageOf(after.results)!.detail).toMatch(/schema version \d+ \(up to date\)/);
    // The URL is a secret: it never reaches the output.
    expect(out.join('\n')).not.toContain(url);
  });

  it('fails with a fix when the server cannot be reached, without printing the password', async () => {
    const url = 'postgres://parley:hunter2-db-secret@127.0.0.1:1/parley';
    const out: string[] = [];
    const config = testConfig({ storage: { driver: 'postgres', url } });
    const { ok, results } = await runDoctor(config, { out: (l) => out.push(l), timeoutMs: 5000 });
    expect(ok).toBe(false);
    expect(storageOf(results)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot connect'),
      fix: expect.stringContaining('PARLEY_DATABASE_URL'),
    });
    expect(out.join('\n')).not.toContain('hunter2-db-secret');
  });
});

describe('storage config', () => {
  it('names the key and the env variable when driver postgres has no URL', () => {
    expect(() => testConfig({ storage: { driver: 'postgres' } })).toThrow(
      /storage\.url[\s\S]*PARLEY_DATABASE_URL/,
    );
  });
});
