import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationReference, REFERENCE_PATH } from './reference.js';

describe('configuration reference', () => {
  it('docs/configuration.md is the generated output (run `npx tsx cli/config/reference.ts --write`)', () => {
    expect(readFileSync(REFERENCE_PATH, 'utf8')).toBe(configurationReference());
  });

  it('lists every key with its type, default and description', () => {
    const text = configurationReference();
    expect(text).toContain('| `web.port` | integer | `8787` | HTTP port');
    expect(text).toContain(
      '| `access.dmPolicy` | "pairing" \\| "allowlist" \\| "open" | `"pairing"` |',
    );
    expect(text).toContain('## `channels.telegram`');
    expect(text).toContain('| `OPENAI_API_KEY` | `llm.apiKey` |');
  });
});
