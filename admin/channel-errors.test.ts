import { describe, expect, it } from 'vitest';
import { ChannelErrors, deliveryFix } from './channel-errors.js';

describe('channel errors for the console', () => {
  it('keeps the last failure of a channel after it recovered', () => {
    const errors = new ChannelErrors();
    errors.fromStatus('telegram', { state: 'connected', since: 1 });
    expect(errors.get('telegram')).toBeUndefined();
    errors.fromStatus('telegram', {
      state: 'error',
      detail: '401 Unauthorized',
      fix: 'Set TELEGRAM_BOT_TOKEN.',
      since: 2,
    });
    errors.fromStatus('telegram', { state: 'connected', since: 3 });
    expect(errors.get('telegram')).toEqual({
      message: '401 Unauthorized',
      fix: 'Set TELEGRAM_BOT_TOKEN.',
      at: 2,
    });
  });

  it('turns an undelivered reply into an error with a fix read from its cause', () => {
    const errors = new ChannelErrors();
    errors.deliveryFailed('slack', 'PlatformError 403: not_in_channel forbidden', 5);
    expect(errors.get('slack')).toMatchObject({
      message: 'a reply could not be delivered: PlatformError 403: not_in_channel forbidden',
      at: 5,
    });
    expect(errors.get('slack')!.fix).toMatch(/permission/);
    expect(deliveryFix('HTTP 401 Unauthorized')).toMatch(/token/);
    expect(deliveryFix('429 Too Many Requests')).toMatch(/rate-limited/);
    expect(deliveryFix('connect ECONNREFUSED 127.0.0.1:9')).toMatch(/network/);
    expect(deliveryFix('something odd')).toMatch(/log/);
  });
});
