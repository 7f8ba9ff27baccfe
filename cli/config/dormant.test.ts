import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir, testConfig, writeTestConfigFile } from '../../test/harness.js';
import { runDoctor } from '../doctor.js';
import { dormantChannels, dormantLine } from './dormant.js';
import { loadConfig } from './load.js';

describe('dormant channels', () => {
  it('names a channel whose token is set but which is not enabled, with both fixes', () => {
    const config = loadConfig({
      path: '/nonexistent/parley.yaml',
      env: { TELEGRAM_BOT_TOKEN: '1:x' },
    });
    const [notice, ...rest] = dormantChannels(config);
    expect(rest).toEqual([]);
    expect(dormantLine(notice!)).toBe(
      'channels.telegram: a credential is set (channels.telegram.token, env TELEGRAM_BOT_TOKEN) but the telegram channel is not enabled, so it does not run. Fix: set channels.telegram.enabled: true in parley.yaml (or PARLEY_CHANNELS__TELEGRAM__ENABLED=true), or remove the credential if it is not meant for Parley.',
    );
  });

  it('is silent for enabled channels and for channels without credentials', () => {
    expect(dormantChannels(testConfig())).toEqual([]);
    const enabled = testConfig({ channels: { telegram: { enabled: true, token: '1:x' } } });
    expect(dormantChannels(enabled)).toEqual([]);
  });

  it('lists every credential of a channel with several (Slack bot and app token)', () => {
    const config = testConfig({ channels: { slack: { botToken: 'xoxb-1', appToken: 'xapp-1' } } });
    const [notice] = dormantChannels(config);
    expect(notice?.section).toBe('channels.slack');
    expect(notice?.detail).toContain('channels.slack.botToken');
    expect(notice?.detail).toContain('channels.slack.appToken');
  });

  it('makes `parley doctor` warn without failing', async () => {
    const config = testConfig({ channels: { discord: { token: 'discord-token-value' } } });
    const lines: string[] = [];
    const { results } = await runDoctor(config, {
      out: (line) => lines.push(line),
      timeoutMs: 500,
    });
    const warning = results.find((r) => r.name === 'channels.discord');
    expect(warning).toMatchObject({ status: 'warn' });
    expect(warning?.fix).toMatch(/^Set channels\.discord\.enabled: true/);
    expect(lines.join('\n')).toContain('! channels.discord: a credential is set');
    expect(lines.join('\n')).not.toContain('discord-token-value');
  });

  it('makes `parley config validate` print the warning and still exit 0', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'cli/parley.ts', 'config', 'validate'],
      {
        env: {
          PATH: process.env.PATH,
          PARLEY_CONFIG: writeTestConfigFile(tempDir()),
          TELEGRAM_BOT_TOKEN: '99:secret-token-value',
        },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Configuration is valid.');
    expect(result.stdout).toContain(
      'Warning: channels.telegram: a credential is set (channels.telegram.token, env TELEGRAM_BOT_TOKEN) but the telegram channel is not enabled',
    );
    expect(result.stdout).not.toContain('secret-token-value');
  });
});
