/** Exposed tool names fit the Chat Completions rule and stay unique. */
import { describe, expect, it } from 'vitest';
import { exposedName } from './names.js';

const rule = /^[a-zA-Z0-9_-]{1,64}$/;

describe('exposedName', () => {
  it('prefixes plain names with the server', () => {
    expect(exposedName('github', 'create_issue')).toBe('github__create_issue');
  });

  it('cleans, cuts and hashes names outside the rule, keeping them distinct', () => {
    const dotted = exposedName('fs', 'files.read');
    expect(dotted).toMatch(rule);
    expect(dotted).not.toBe(exposedName('fs', 'files_read'));
    const long = exposedName('fs', 'x'.repeat(100));
    expect(long).toMatch(rule);
    expect(long).toBe(exposedName('fs', 'x'.repeat(100)));
    expect(long).not.toBe(exposedName('fs', 'x'.repeat(101)));
  });
});
