import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../cli/app.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { testConfig } from '../../test/harness.js';

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
