import { describe, expect, it } from 'vitest';
import { configSecrets } from './fields.js';

describe('configSecrets', () => {
  it('finds the credentials of any URL in the config, raw, decoded and as user:password', () => {
    const secrets = configSecrets({
      llm: { baseUrl: 'http://parley:p%40ss-word-123@10.0.0.5:8080/v1', apiKey: 'sk-key-123456' },
      mcp: { servers: { search: { url: 'https://bot:other-secret-9@mcp.example/' } } },
      webSearch: { url: 'http://127.0.0.1:8888/' },
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'sk-key-123456',
        'p%40ss-word-123',
        'p@ss-word-123',
        'parley:p%40ss-word-123',
        'other-secret-9',
      ]),
    );
    expect(secrets.join(' ')).not.toContain('127.0.0.1');
  });
});
