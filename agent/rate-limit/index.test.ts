import { describe, expect, it } from 'vitest';
import { RateLimiter } from './index.js';

describe('RateLimiter', () => {
  it('admits the limit per sliding minute, answers the first message over it, then stays quiet', () => {
    const limiter = new RateLimiter({ messagesPerMinute: 3 });
    const t = 1_000_000;
    expect([t, t + 1000, t + 2000].map((at) => limiter.check('a', at).kind)).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    const over = limiter.check('a', t + 3000);
    expect(over).toMatchObject({ kind: 'limited', notify: true, retryInMs: 57_000 });
    expect(over.kind === 'limited' && over.text).toMatch(/limit: 3 per minute.*wait 57 s/);
    expect(limiter.check('a', t + 4000)).toMatchObject({ kind: 'limited', notify: false });
    expect(limiter.check('b', t + 4000).kind).toBe('ok');
    // The first message leaves the window after 60 s: one more is admitted.
    expect(limiter.check('a', t + 60_001).kind).toBe('ok');
    expect(limiter.check('a', t + 60_002)).toMatchObject({ kind: 'limited', notify: true });
  });

  it('does not count refused messages, and 0 turns the limit off', () => {
    const limiter = new RateLimiter({ messagesPerMinute: 1 });
    expect(limiter.check('a', 0).kind).toBe('ok');
    for (let i = 1; i < 50; i++) limiter.check('a', i * 1000);
    expect(limiter.check('a', 60_001).kind).toBe('ok');
    const off = new RateLimiter({ messagesPerMinute: 0 });
    for (let i = 0; i < 100; i++) expect(off.check('a', i).kind).toBe('ok');
  });

  it('forgets quiet senders once many are tracked', () => {
    const limiter = new RateLimiter({ messagesPerMinute: 1 });
    for (let i = 0; i < 10_000; i++) limiter.check(`s${i}`, 0);
    expect(limiter.check('s1', 1000).kind).toBe('limited');
    limiter.check('new', 120_000);
    expect((limiter as unknown as { senders: Map<string, unknown> }).senders.size).toBe(1);
  });
});
