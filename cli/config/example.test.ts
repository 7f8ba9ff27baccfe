import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_PATH, exampleYaml } from './example.js';
import { loadConfig } from './load.js';
import { configSchema } from './schema.js';

describe('parley.example.yaml', () => {
  it('is the generated output (run `npx tsx cli/config/reference.ts --write`)', () => {
    expect(readFileSync(EXAMPLE_PATH, 'utf8')).toBe(exampleYaml());
  });

  it('is a valid configuration equal to the defaults', () => {
    const fromFile = loadConfig({ path: EXAMPLE_PATH, env: {} });
    expect(fromFile).toEqual(configSchema.parse({ channels: fromFile.channels }));
    expect(fromFile.web.port).toBe(8787);
  });

  it('documents every top-level section', () => {
    const text = exampleYaml();
    for (const key of Object.keys(configSchema.shape))
      expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
  });
});
