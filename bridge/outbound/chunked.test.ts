import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestChannel } from '../../test/doubles/test-channel.js';
import { chunk, splitterFor } from './chunked.js';
import { compose, type Send } from './pipeline.js';
import { dm, recordingSend, text } from './testing.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const byLine = (rendered: string) => rendered.split('\n');
const buttons = [{ label: 'Approve', data: 'yes' }];

describe('the chunk wrap', () => {
  it('calls next once per piece, in order, and returns every id', async () => {
    const base = recordingSend();
    const sent = await compose(base, chunk(byLine))(dm(), text('one\ntwo\nthree'));
    expect(base.calls.map((c) => c.message.text)).toEqual(['one', 'two', 'three']);
    expect(sent).toEqual({ messageId: 'm3', messageIds: ['m1', 'm2', 'm3'] });
  });

  it('sends a piece only after the previous one was delivered', async () => {
    const started: string[] = [];
    const slow: Send = (_target, message) => {
      started.push(message.text);
      return new Promise((resolve) => setTimeout(() => resolve({ messageId: message.text }), 1000));
    };
    const sending = compose(slow, chunk(byLine))(dm(), text('a\nb'));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await sending).messageIds).toEqual(['a', 'b']);
  });

  it('puts buttons on the last piece and edits a replaced message with the first', async () => {
    const base = recordingSend();
    await compose(base, chunk(byLine))(dm(), { ...text('a\nb\nc'), buttons, replaces: 'draft' });
    expect(base.calls.map((c) => c.message)).toEqual([
      { text: 'a', format: 'plain', replaces: 'draft' },
      { text: 'b', format: 'plain' },
      { text: 'c', format: 'plain', buttons },
    ]);
  });

  it('stops at the first piece that fails', async () => {
    const base = recordingSend();
    const send = compose(async (target, message) => {
      if (message.text === 'b') throw new Error('refused');
      return base(target, message);
    }, chunk(byLine));
    await expect(send(dm(), text('a\nb\nc'))).rejects.toThrow('refused');
    expect(base.calls.map((c) => c.message.text)).toEqual(['a']);
  });
});

describe('splitterFor', () => {
  it('splits at the adapter limit and never returns no piece', () => {
    const split = splitterFor(new TestChannel('t', { maxMessageLength: 40 }));
    expect(split(`${'a'.repeat(20)}\n\n${'b'.repeat(20)}`)).toEqual([
      'a'.repeat(20),
      'b'.repeat(20),
    ]);
    expect(split('  \n ')).toEqual(['…']);
  });

  it("uses the adapter's own chunker when it has one", () => {
    const adapter = Object.assign(new TestChannel(), {
      chunk: (rendered: string, limit: number) => [`${limit}:${rendered}`],
    });
    expect(splitterFor(adapter)('x')).toEqual(['4000:x']);
  });
});
