import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/harness.js';
import { ConfigError, loadConfig } from './load.js';

function fileWith(yaml: string): string {
  const path = join(tempDir(), 'parley.yaml');
  writeFileSync(path, yaml);
  return path;
}

function problems(yaml: string, env: Record<string, string> = {}): string {
  try {
    loadConfig({ path: fileWith(yaml), env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('works with no file at all, using embedded defaults', () => {
    const config = loadConfig({ path: join(tempDir(), 'missing.yaml'), env: {} });
    expect(config.web).toMatchObject({ host: '127.0.0.1', port: 8787, enabled: true });
    expect(config.dataDir).toBe('./data');
    expect(config.llm.maxToolRounds).toBe(10);
  });

  it('names the key, what was found and what is expected', () => {
    const message = problems('web:\n  port: eighty\n');
    expect(message).toContain('web.port');
    expect(message).toContain('found the string "eighty"');
    expect(message).toContain('expected a number');
    expect(problems('access:\n  dmPolicy: everyone\n')).toMatch(
      /access\.dmPolicy: .*expected one of "pairing", "allowlist", "open"/,
    );
    expect(problems('llm:\n  baseUrl: not a url\n')).toMatch(/llm\.baseUrl: .*expected a URL/);
  });

  it('rejects unknown keys with the fix', () => {
    expect(problems('llm:\n  modle: gpt\n')).toMatch(
      /llm: unknown key "modle".*check the spelling/,
    );
  });

  it('reports invalid YAML and a non-mapping top level', () => {
    expect(problems('llm: [unclosed\n')).toContain('not valid YAML');
    expect(problems('- a\n- b\n')).toContain('expected a mapping');
  });

  it('fills ${VAR} placeholders and names a missing one', () => {
    const config = loadConfig({
      path: fileWith('llm:\n  apiKey: ${MY_KEY}\n  model: ${MODEL:-small}\n'),
      env: { MY_KEY: 'sk-abc' },
    });
    expect(config.llm.apiKey).toBe('sk-abc');
    expect(config.llm.model).toBe('small');
    expect(problems('llm:\n  apiKey: ${NOT_SET}\n')).toMatch(
      /llm\.apiKey: \$\{NOT_SET\} is not set/,
    );
  });

  it('applies environment overrides over the file', () => {
    const config = loadConfig({
      path: fileWith('llm:\n  model: from-file\nqueue:\n  concurrency: 2\n'),
      env: {
        OPENAI_API_KEY: 'sk-env',
        OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1',
        PARLEY_MODEL: 'from-env',
        PARLEY_QUEUE__CONCURRENCY: '32',
        PARLEY_WEB_PORT: '9999',
        PARLEY_ACCESS__OWNERS: '["telegram:1"]',
      },
    });
    expect(config.llm).toMatchObject({
      apiKey: 'sk-env',
      baseUrl: 'http://127.0.0.1:1234/v1',
      model: 'from-env',
    });
    expect(config.queue.concurrency).toBe(32);
    expect(config.web.port).toBe(9999);
    expect(config.access.owners).toEqual(['telegram:1']);
  });

  it('hides secret values in error messages', () => {
    expect(problems('web:\n  token: short\n')).not.toContain('short');
  });

  it('makes `parley config validate` exit non-zero with the message', () => {
    const path = fileWith('queue:\n  concurrency: 0\n');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'cli/parley.ts', 'config', 'validate'],
      {
        env: { PATH: process.env.PATH, PARLEY_CONFIG: path },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('queue.concurrency');
    expect(result.stderr).toContain('expected a value >= 1');
  });
});
