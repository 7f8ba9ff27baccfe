import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../cli/app.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { testConfig } from '../../test/harness.js';
import { TerminalChannel } from './adapter.js';

describe('terminal channel', () => {
  let llm: OpenAIDouble;
  afterAll(async () => llm?.close());

  it('chats in a REPL with streamed answers and commands', async () => {
    llm = await startOpenAIDouble();
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (data: Buffer) => {
      printed += data.toString();
    });
    const app = await createApp(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-terminal-123' },
        web: { enabled: false },
      }),
      {
        log: pino({ level: 'silent' }),
        terminal: { input, output },
      },
    );
    await app.start();
    input.write('hello terminal\n');
    input.write('/whoami\n');
    const deadline = Date.now() + 5000;
    while (!printed.includes('terminal:local') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(printed).toContain('parley> echo: hello terminal');
    expect(printed).toContain('(terminal:local), role: owner');
    await app.stop();
  });
});

describe('terminal prompt and other output', () => {
  it('clears the prompt line for a log line and redraws it with what was typed', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80, rows: 24 });
    let printed = '';
    output.on('data', (data: Buffer) => (printed += data.toString()));
    const channel = new TerminalChannel({ input, output });
    await channel.start({ accept: async () => ({ accepted: true }) } as never);
    input.write('half a mess');
    await new Promise((resolve) => setImmediate(resolve));
    const before = printed.length;
    channel.aroundOutput(() => output.write('[12:00:00] WARN: something happened\n'));
    const after = printed.slice(before);
    // clear the line, go to column 1, the log line, then the prompt with the typed text again
    expect(after.startsWith('\u001b[2K\u001b[1G[12:00:00] WARN: something happened\n')).toBe(true);
    expect(after).toContain('you> half a mess');
    await channel.stop();
  });
});
