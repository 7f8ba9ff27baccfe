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
    expect(problems('llm:\n  frobnicate: gpt\n')).toMatch(
      /llm: unknown key "frobnicate".*check the spelling/,
    );
  });

  it('suggests the key an unknown one is probably a misspelling of', () => {
    expect(problems('llm:\n  modle: gpt\n')).toContain(
      'llm: unknown key "modle". Did you mean "model"? Fix: rename it to model.',
    );
    expect(problems('acess:\n  dmPolicy: open\n')).toContain('Did you mean "access"?');
    expect(problems('channels:\n  telegram:\n    tokn: x\n')).toContain('Did you mean "token"?');
    expect(problems('llm:\n  apikey: sk\n')).toContain('Did you mean "apiKey"?');
  });

  it('names the variable an unknown key came from and the variable to use instead', () => {
    expect(problems('', { PARLEY_LLM__MODLE: 'gpt' })).toContain(
      'llm: unknown key "modle" (from PARLEY_LLM__MODLE). Did you mean llm.model? Fix: set PARLEY_MODEL instead.',
    );
  });

  it('says "a list" with the YAML list syntax as the fix, from the file or a variable', () => {
    const fromFile = problems('access:\n  owners: telegram:1, web:2\n');
    expect(fromFile).not.toContain('a array');
    expect(fromFile).toContain(
      'access.owners: found the string "telegram:1, web:2"; expected a list. Fix: write it as a YAML list in parley.yaml:\n    access:\n      owners:\n        - "telegram:1"\n        - "web:2"',
    );
    const fromEnv = problems('', { PARLEY_ACCESS__OWNERS: 'telegram:1' });
    expect(fromEnv).toContain(
      `access.owners (from PARLEY_ACCESS__OWNERS): found the string "telegram:1"; expected a list. Fix: set PARLEY_ACCESS__OWNERS to a list (a YAML or JSON list, e.g. PARLEY_ACCESS__OWNERS='["first", "second"]').`,
    );
  });

  it('names the environment variable a bad value came from', () => {
    expect(problems('', { PARLEY_WEB_PORT: 'eighty' })).toContain(
      'web.port (from PARLEY_WEB_PORT): found the string "eighty"; expected a number. Fix: set PARLEY_WEB_PORT to a number.',
    );
    expect(problems('', { PARLEY_QUEUE__CONCURRENCY: '0' })).toContain(
      'queue.concurrency (from PARLEY_QUEUE__CONCURRENCY): found number 0',
    );
    expect(problems('llm:\n  baseUrl: ${MY_URL}\n', { MY_URL: 'nope' })).toContain(
      'llm.baseUrl (from MY_URL)',
    );
  });

  it('accepts web.publicOrigin as an origin only', () => {
    const config = loadConfig({
      path: fileWith(''),
      env: { PARLEY_WEB_PUBLIC_ORIGIN: 'https://chat.example.com' },
    });
    expect(config.web.publicOrigin).toBe('https://chat.example.com');
    expect(problems('web:\n  publicOrigin: https://chat.example.com/parley\n')).toContain(
      'web.publicOrigin: found the string "https://chat.example.com/parley"; expected an origin like https://parley.example.com (no path)',
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
