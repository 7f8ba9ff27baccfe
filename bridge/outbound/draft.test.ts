import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DraftStream } from './draft.js';

const target = { account: 'default', conversationId: 'c1' };

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    sender: {
      render: (text: string) => [text],
      sendChunk: async (_target: unknown, text: string) => {
        calls.push(`send ${text}`);
        return 'm1';
      },
      editChunk: async (_target: unknown, _id: string, text: string) => {
        calls.push(`edit ${text}`);
      },
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('DraftStream', () => {
  it('never drafts a short answer that completes quickly: it arrives whole', async () => {
    const { calls, sender } = recorder();
    const draft = new DraftStream(sender as never, target, { intervalMs: 1000 });
    draft.push('Sure');
    await vi.advanceTimersByTimeAsync(500);
    draft.push(', here you go.');
    await vi.advanceTimersByTimeAsync(500);
    expect(await draft.close()).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('starts the draft after the first-draft delay, then edits at most once per interval', async () => {
    const { calls, sender } = recorder();
    const draft = new DraftStream(sender as never, target, { intervalMs: 1000 });
    draft.push('Sure');
    await vi.advanceTimersByTimeAsync(1499);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['send Sure …']);
    draft.push(' — more');
    draft.push(' and more');
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['send Sure …', 'edit Sure — more and more …']);
    expect(await draft.close()).toBe('m1');
  });

  it('starts at once when the answer already has substance', async () => {
    const { calls, sender } = recorder();
    const draft = new DraftStream(sender as never, target, {
      intervalMs: 1000,
      minInitialChars: 10,
    });
    draft.push('A long enough opening');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['send A long enough opening …']);
    await draft.close();
  });

  it('marks the draft of a turn cut short, and sends nothing when none was drafted', async () => {
    const { calls, sender } = recorder();
    const draft = new DraftStream(sender as never, target, { intervalMs: 1000 });
    draft.push('Once upon a time');
    await vi.advanceTimersByTimeAsync(1500);
    draft.push(' there was');
    await draft.cutShort('…(interrupted)');
    expect(calls).toEqual([
      'send Once upon a time …',
      'edit Once upon a time there was\n\n…(interrupted)',
    ]);
    const quiet = recorder();
    const undrafted = new DraftStream(quiet.sender as never, target, { intervalMs: 1000 });
    undrafted.push('Hi');
    await undrafted.cutShort('…(interrupted)');
    expect(quiet.calls).toEqual([]);
  });
});
