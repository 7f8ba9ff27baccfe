import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutboundMessage, OutboundTarget } from '../../core/contract.js';
import { HandlerError, PlatformError } from '../../core/errors.js';
import { TestChannel } from '../../test/doubles/test-channel.js';
import { Sender } from './sender.js';
import { dm } from './testing.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A test channel that renders `**x**` as `<b>x</b>`, edits, and refuses unbalanced tags. */
class MarkupChannel extends TestChannel {
  readonly edits: { messageId: string; message: OutboundMessage }[] = [];
  constructor() {
    super('markup', {
      maxMessageLength: 40,
      format: 'html',
      edits: true,
      rateLimits: { perConversationMinMs: 1000 },
    });
  }
  render(markdown: string): string {
    return markdown.replace(/\*\*(.+?)\*\*/g, '<b>$1</b>');
  }
  toPlain(html: string): string {
    return html.replace(/<[^>]+>/g, '');
  }
  override async send(target: OutboundTarget, message: OutboundMessage) {
    this.refuseBrokenMarkup(message);
    return super.send(target, message);
  }
  async edit(_target: OutboundTarget, messageId: string, message: OutboundMessage) {
    this.refuseBrokenMarkup(message);
    this.edits.push({ messageId, message });
  }
  private refuseBrokenMarkup(message: OutboundMessage): void {
    const opened = message.text.split('<b>').length;
    if (message.format === 'html' && opened !== message.text.split('</b>').length)
      throw new PlatformError({ platform: 'markup', status: 400, markupRefused: true });
  }
}

const paragraphs = Array.from({ length: 4 }, (_, i) => `Part ${i} is **bold** here.`).join('\n\n');

describe('Sender', () => {
  it('freezes exactly the pieces a live send delivers (format, then chunk)', async () => {
    const channel = new MarkupChannel();
    const sender = new Sender(channel);
    const frozen = sender.render(paragraphs);
    expect(frozen.length).toBeGreaterThan(1);
    const sending = sender.send(dm(), paragraphs, [{ label: 'OK', data: 'ok' }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await sending).toHaveLength(frozen.length);
    expect(channel.texts()).toEqual(frozen);
    expect(channel.delivered.at(-1)!.message.buttons).toEqual([{ label: 'OK', data: 'ok' }]);
    expect(channel.delivered[0]!.message).toEqual({ text: frozen[0], format: 'html' });
  });

  it('sends and edits frozen pieces through the throttle', async () => {
    const channel = new MarkupChannel();
    const sender = new Sender(channel);
    const ids = [sender.sendChunk(dm(), 'one'), sender.editChunk(dm(), '7', 'two')];
    await vi.advanceTimersByTimeAsync(999);
    expect(channel.texts()).toEqual(['one']);
    expect(channel.edits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(channel.edits).toEqual([{ messageId: '7', message: { text: 'two', format: 'html' } }]);
    expect(await Promise.all(ids)).toEqual(['1', undefined]);
  });

  it('resends a refused piece as plain text, for sends and edits alike', async () => {
    const channel = new MarkupChannel();
    const sender = new Sender(channel);
    const sent = sender.sendChunk(dm(), 'a <b>broken move');
    await vi.advanceTimersByTimeAsync(1000);
    expect(await sent).toBe('1');
    expect(channel.delivered.map((d) => d.message)).toEqual([
      { text: 'a broken move', format: 'plain' },
    ]);
    const edited = sender.editChunk(dm(), '1', '<b>again');
    await vi.advanceTimersByTimeAsync(2000);
    await edited;
    expect(channel.edits.map((e) => e.message)).toEqual([{ text: 'again', format: 'plain' }]);
  });

  it('waits out a 429 and reports the retry', async () => {
    const channel = new TestChannel();
    const onRetry = vi.fn();
    const sender = new Sender(channel, { retry: { onRetry } });
    channel.fail429(2);
    const sent = sender.sendChunk(dm(), 'hi');
    await vi.advanceTimersByTimeAsync(1999);
    expect(channel.delivered).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await sent).toBe('1');
    expect(onRetry).toHaveBeenCalledWith(expect.any(PlatformError), 1, 2000);
  });

  it('turns an unknown adapter error into a HandlerError and never retries it', async () => {
    const channel = new TestChannel();
    const send = vi.spyOn(channel, 'send');
    channel.failures.push(new TypeError('adapter bug'), new TypeError('adapter bug'));
    const failure = new Sender(channel).sendChunk(dm(), 'hi').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await failure).toBeInstanceOf(HandlerError);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('cannot edit on a channel without edit()', async () => {
    await expect(new Sender(new TestChannel()).editChunk(dm(), '1', 'x')).rejects.toThrow(
      'cannot edit',
    );
  });
});
