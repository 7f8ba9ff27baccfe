import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startParley, testConfig } from '../test/harness.js';
import { validate } from './config/load.js';
import type { ParleyConfig } from './config/schema.js';
import { statusCommand } from './status.js';

describe('parley status', () => {
  let parley: Running;
  let config: ParleyConfig;

  beforeAll(async () => {
    const base = testConfig({});
    parley = await startParley(validate({ ...base, web: { ...base.web, token: undefined } }));
    await parley.app.accessStore.requestPairing('telegram', '7', 'Eve', 60_000);
    const port = Number(new URL(parley.app.url).port);
    config = { ...parley.app.config, web: { ...parley.app.config.web, port } };
  });
  afterAll(() => parley.close());

  it('prints channels, queue and pending work, using the token stored in the database', async () => {
    expect(config.web.token).toBeUndefined();
    const lines: string[] = [];
    expect(await statusCommand([], config, (line) => lines.push(line))).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/web\s+connected/);
    expect(text).toContain('Queue: 0 waiting');
    expect(text).toContain('Pairing requests: 1');
  });

  it('says how to fix a wrong token and an unreachable Parley', async () => {
    const lines: string[] = [];
    const wrong = { ...config, web: { ...config.web, token: 'wrong-token-0123456789' } };
    expect(await statusCommand([], wrong, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toContain('refused the access token');
    const down = { ...config, web: { ...config.web, port: 1 } };
    expect(await statusCommand([], down, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toContain('parley start');
  });
});
