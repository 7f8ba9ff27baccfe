import { describe, expect, it } from 'vitest';
import { loadConfig, validate } from '../../cli/config/load.js';

describe('slack config section', () => {
  it('fills defaults and takes the SLACK_* environment variables as strings', () => {
    const config = loadConfig({
      path: '/nonexistent/parley.yaml',
      env: {
        PARLEY_CHANNELS__SLACK__ENABLED: 'true',
        SLACK_BOT_TOKEN: 'xoxb-1-2',
        SLACK_SIGNING_SECRET: '1234567890',
      },
    });
    expect(config.channels.slack).toEqual({
      enabled: true,
      botToken: 'xoxb-1-2',
      signingSecret: '1234567890',
      eventsPath: '/slack/events',
      maxFileMb: 20,
      fileTimeoutMs: 2000,
      minIntervalMs: 1000,
      streaming: 'edit',
      slashCommand: '/parley',
    });
  });

  it('names the missing key and the fix when enabled without tokens', () => {
    expect(() => validate({ channels: { slack: { enabled: true } } })).toThrow(
      /channels\.slack\.botToken[\s\S]*SLACK_BOT_TOKEN[\s\S]*channels\.slack\.signingSecret/,
    );
  });

  it('rejects unknown keys', () => {
    expect(() => validate({ channels: { slack: { botToken: 'x', signingSecrt: 'y' } } })).toThrow(
      /signingSecrt/,
    );
  });
});
