import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestChannel } from '../../test/doubles/test-channel.js';
import { format, rendererFor } from './format.js';
import { compose } from './pipeline.js';
import { dm, recordingSend, text } from './testing.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the format wrap', () => {
  it('renders the Markdown once and labels the text with the dialect', async () => {
    const base = recordingSend();
    const render = vi.fn((markdown: string) => markdown.replace(/\*\*(.+?)\*\*/g, '<b>$1</b>'));
    const send = compose(base, format(render, 'telegram-html'));
    await send(dm(), {
      ...text('a **bold** move', 'markdown'),
      buttons: [{ label: 'OK', data: 'ok' }],
    });
    expect(render).toHaveBeenCalledTimes(1);
    expect(base.calls.map((c) => c.message)).toEqual([
      {
        text: 'a <b>bold</b> move',
        format: 'telegram-html',
        buttons: [{ label: 'OK', data: 'ok' }],
      },
    ]);
  });

  it('uses the adapter renderer, or leaves Markdown unchanged without one', () => {
    const plain = new TestChannel();
    expect(rendererFor(plain)('**x**')).toBe('**x**');
    const shouting = Object.assign(new TestChannel(), { render: (md: string) => md.toUpperCase() });
    expect(rendererFor(shouting)('hi')).toBe('HI');
  });
});
