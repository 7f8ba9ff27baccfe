import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compose } from './pipeline.js';
import { dm, group, recordingSend, text } from './testing.js';
import { RateLimiter, throttle } from './throttle.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function throttled(limits: ConstructorParameters<typeof RateLimiter>[0]) {
  const base = recordingSend();
  const limiter = new RateLimiter(limits);
  const send = compose(base, throttle(limiter));
  const offsets = () => base.calls.map((call) => call.at - 1_000_000);
  return { base, limiter, send, offsets };
}

describe('throttle', () => {
  it('keeps a minimum gap per conversation, in submission order', async () => {
    const { base, send, offsets } = throttled({ perConversationMinMs: 1000 });
    const sent = ['one', 'two', 'three'].map((t) => send(dm(), text(t)));
    await vi.advanceTimersByTimeAsync(0);
    expect(offsets()).toEqual([0]);
    await vi.advanceTimersByTimeAsync(999);
    expect(offsets()).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(offsets()).toEqual([0, 1000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(offsets()).toEqual([0, 1000, 2000]);
    expect(base.calls.map((call) => call.message.text)).toEqual(['one', 'two', 'three']);
    expect((await Promise.all(sent)).map((s) => s.messageId)).toEqual(['m1', 'm2', 'm3']);
  });

  it('does not make one conversation wait for another', async () => {
    const { send, offsets } = throttled({ perConversationMinMs: 1000 });
    void send(dm('a'), text('a1'));
    void send(dm('a'), text('a2'));
    void send(dm('b'), text('b1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(offsets()).toEqual([0, 0]);
  });

  it('allows at most perGroup.max calls in any group window', async () => {
    const { base, send, offsets } = throttled({ perGroup: { max: 2, windowMs: 60_000 } });
    for (const t of ['g1', 'g2', 'g3', 'g4', 'g5']) void send(group(), text(t));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(base.calls.map((c) => c.message.text)).toEqual(['g1', 'g2']);
    await vi.advanceTimersByTimeAsync(1);
    expect(offsets()).toEqual([0, 0, 60_000, 60_000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(offsets()).toEqual([0, 0, 60_000, 60_000, 120_000]);
  });

  it('applies the group window to group conversations only', async () => {
    const { send, offsets } = throttled({ perGroup: { max: 1, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) void send(dm(), text(`d${i}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(offsets()).toEqual([0, 0, 0]);
  });

  it('paces the whole account evenly: one call every windowMs / max', async () => {
    const { send, offsets } = throttled({ global: { max: 4, windowMs: 1000 } });
    for (let i = 0; i < 6; i++) void send(dm(`chat${i}`), text('x'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(offsets()).toEqual([0, 250, 500, 750, 1000]);
    await vi.advanceTimersByTimeAsync(250);
    expect(offsets()).toHaveLength(6);
  });

  it('combines the gap, the group window and the account pace', async () => {
    const { send, offsets } = throttled({
      perConversationMinMs: 1000,
      perGroup: { max: 2, windowMs: 10_000 },
      global: { max: 10, windowMs: 1000 },
    });
    for (let i = 0; i < 3; i++) void send(group(), text(`g${i}`));
    void send(dm(), text('d'));
    await vi.advanceTimersByTimeAsync(20_000);
    // g0 at 0, d paced 100 ms after it, g1 after the 1 s gap, g2 when g0 leaves the window.
    expect(offsets()).toEqual([0, 100, 1000, 10_000]);
  });

  it('keeps going after a failed call', async () => {
    const { base, send, offsets } = throttled({ perConversationMinMs: 500 });
    base.failures.push(new Error('refused'));
    const first = send(dm(), text('one')).catch((error: unknown) => error);
    const second = send(dm(), text('two'));
    await vi.advanceTimersByTimeAsync(500);
    expect(await first).toBeInstanceOf(Error);
    expect((await second).messageId).toBe('m2');
    expect(offsets()).toEqual([0, 500]);
  });

  it('passes straight through when the channel declares no limits', async () => {
    const { send, offsets } = throttled({});
    await Promise.all([send(dm(), text('a')), send(dm(), text('b'))]);
    expect(offsets()).toEqual([0, 0]);
  });

  it('on stop, finishes calls at the platform and never makes waiting ones', async () => {
    const { base, limiter, send } = throttled({ perConversationMinMs: 1000 });
    void send(dm(), text('one'));
    void send(dm(), text('two'));
    await vi.advanceTimersByTimeAsync(0);
    await limiter.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(base.calls.map((c) => c.message.text)).toEqual(['one']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets an idle conversation once its limits no longer apply', async () => {
    const { limiter, send } = throttled({ perConversationMinMs: 1000 });
    await send(dm(), text('one'));
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.trackedConversations).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(limiter.trackedConversations).toBe(0);
  });
});
