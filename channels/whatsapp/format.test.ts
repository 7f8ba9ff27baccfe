import { describe, expect, it } from 'vitest';
import { Sender } from '../../bridge/outbound/sender.js';
import type { ChannelAdapter } from '../../core/contract.js';
import { renderWhatsApp } from './format.js';

describe('Markdown → WhatsApp', () => {
  it('renders bold, italic, strike, headings, links and bullets', () => {
    expect(renderWhatsApp('**bold** and __also bold__')).toBe('*bold* and *also bold*');
    expect(renderWhatsApp('*italic* and _italic_')).toBe('_italic_ and _italic_');
    expect(renderWhatsApp('~~gone~~')).toBe('~gone~');
    expect(renderWhatsApp('## Plan\n* one\n+ two\n- three')).toBe('*Plan*\n- one\n- two\n- three');
    expect(renderWhatsApp('see [the docs](https://x.dev/a) or https://y.dev')).toBe(
      'see the docs (https://x.dev/a) or https://y.dev',
    );
    expect(renderWhatsApp('**bold with *italic* inside**')).toBe('*bold with _italic_ inside*');
    expect(renderWhatsApp('2 * 3 * 4 = 24')).toBe('2 * 3 * 4 = 24');
  });

  it('keeps code untouched and drops the fence language', () => {
    const md = 'Run `npm **i**`:\n\n```bash\necho **not bold** [x](y)\n```\nDone **now**.';
    expect(renderWhatsApp(md)).toBe(
      'Run `npm **i**`:\n\n```\necho **not bold** [x](y)\n```\nDone *now*.',
    );
  });

  it('chunks long replies under 4000 characters, fences reopened, in order', () => {
    const adapter = {
      capabilities: { maxMessageLength: 4000, rateLimits: {} },
      render: renderWhatsApp,
    } as unknown as ChannelAdapter;
    const sender = new Sender(adapter);
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} of code`).join('\n');
    const prose = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} **${'w'.repeat(150)}**`);
    const chunks = sender.render(`${prose.join('\n\n')}\n\n\`\`\`ts\n${code}\n\`\`\``);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(4000);
    expect(chunks[0]).toContain('Paragraph 0 *w');
    expect(chunks.join('')).not.toContain('**');
    const fenced = chunks.filter((c) => c.includes('line 1'));
    for (const chunk of chunks.filter((c) => c.includes('of code')))
      expect(chunk.match(/```/g)?.length ?? 0).toBe(2);
    expect(fenced.length).toBeGreaterThan(0);
    void sender.stop();
  });

  it('renders ~~~ fences like ``` fences, without the language', () => {
    expect(renderWhatsApp('~~~bash\necho **x**\n~~~\nok')).toBe('```\necho **x**\n```\nok');
    expect(renderWhatsApp('```bash\necho **x**\n```\nok')).toBe('```\necho **x**\n```\nok');
  });

  it('keeps overlapping emphasis well formed and shows tables as a code block', () => {
    expect(renderWhatsApp('**bold _and** italic_')).toBe('*bold _and* italic_');
    expect(renderWhatsApp('| a | b |\n|---|---|\n| cc | d |')).toBe('```\na  | b\ncc | d\n```');
  });
});
