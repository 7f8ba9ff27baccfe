/**
 * One Telegram conversation using every capability of issue 15 against the doubles
 * (Bot API, OpenAI chat, OpenAI audio, SearXNG, the stdio MCP double, Docker for the
 * skill's script): skills listed, a web search, a fact remembered and offered back,
 * an MCP tool, a skill with its sandboxed script, a voice note (transcribed, echoed,
 * spoken), a photo as an image part, a document in the workspace, /memory. It
 * asserts each step and writes the conversation to artifacts/capabilities-transcript.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, labelledContainers, TEST_IMAGE } from '../../sandbox/testing.js';
import { type AudioDouble, startAudioDouble } from '../doubles/audio.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type SearxDouble, startSearxDouble } from '../doubles/searxng.js';
import {
  startTelegramDouble,
  TEST_TOKEN,
  type TelegramDouble,
  waitUntil,
} from '../doubles/telegram.js';
import { type Running, sleep, startParley, tempDir, testConfig } from '../harness.js';

const skip = await dockerSkipReason();
const root = fileURLToPath(new URL('../..', import.meta.url));
const ADA = { id: 111, first_name: 'Ada' };

describe.skipIf(skip)('a conversation using every capability', () => {
  let llm: OpenAIDouble;
  let tg: TelegramDouble;
  let audio: AudioDouble;
  let searx: SearxDouble;
  let parley: Running;
  const lines: string[] = [];

  beforeAll(async () => {
    const skills = tempDir();
    mkdirSync(join(skills, 'greeter', 'scripts'), { recursive: true });
    writeFileSync(
      join(skills, 'greeter', 'SKILL.md'),
      '---\nname: greeter\ndescription: Greets people by name\n---\nRun scripts/greet.sh with the name, then pass its line on.\n',
    );
    writeFileSync(
      join(skills, 'greeter', 'scripts', 'greet.sh'),
      'echo "Hello, $1! (from the sandbox, uid $(id -u))"\n',
    );
    llm = await startOpenAIDouble();
    tg = await startTelegramDouble();
    audio = await startAudioDouble({ 'OggS-voice': 'What was my bike lock code again?' });
    searx = await startSearxDouble({
      parley: [
        {
          url: 'https://parley.example/',
          title: 'Parley',
          content: 'One agent behind many messengers.',
        },
      ],
    });
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test', stream: false },
        access: { owners: ['telegram:111'] },
        sandbox: { enabled: true, image: TEST_IMAGE, timeoutSeconds: 10 },
        skills: { dir: skills },
        webSearch: { url: searx.url },
        media: { transcription: { baseUrl: audio.baseUrl, echo: true }, speech: { enabled: true } },
        mcp: {
          servers: {
            calc: {
              command: process.execPath,
              args: ['--import', 'tsx', 'test/doubles/mcp/stdio-server.ts'],
              cwd: root,
              policy: 'auto',
            },
          },
        },
        channels: {
          telegram: {
            enabled: true,
            token: TEST_TOKEN,
            apiRoot: tg.apiRoot,
            pollingTimeoutSeconds: 2,
          },
        },
      }),
    );
    for (let i = 0; i < 250 && !parley.app.tools.get('calc__add'); i++) await sleep(20);
  }, 60_000);
  afterAll(async () => {
    await parley?.close();
    for (const double of [tg, llm, audio, searx]) await double?.close();
    mkdirSync(join(root, 'artifacts'), { recursive: true });
    writeFileSync(join(root, 'artifacts', 'capabilities-transcript.md'), `${lines.join('\n')}\n`);
    expect(await labelledContainers()).toEqual([]);
  });

  /** Sends one Telegram message, waits for the answer, records the exchange. */
  async function turn(
    shown: string,
    message: Parameters<TelegramDouble['message']>[0],
  ): Promise<string> {
    const before = tg.chat(111).length;
    const requests = llm.requests.length;
    tg.message(message);
    // A draft ending in "…" is edited into the final answer (Telegram streams by edits).
    await waitUntil(
      () => tg.chat(111).length > before && !tg.chat(111).at(-1)!.text.endsWith('…'),
      30_000,
    );
    lines.push(`**Ada:** ${shown}`);
    for (const request of llm.requests.slice(requests)) {
      const messages = request.body.messages;
      const result = messages.at(-1)!;
      if (result.role !== 'tool') continue;
      const asked = [...messages]
        .reverse()
        .flatMap(
          (m) =>
            (m.tool_calls ?? []) as { id: string; function: { name: string; arguments: string } }[],
        )
        .find((c) => c.id === result.tool_call_id);
      const shownResult = String(result.content).replace(/\s+/g, ' ').slice(0, 160);
      lines.push(`  ↳ ${asked?.function.name}(${asked?.function.arguments}) → ${shownResult}`);
    }
    const answer = tg.chat(111).at(-1)!.text;
    lines.push(`**Parley:** ${answer.replace(/\n/g, '\n> ')}`, '');
    return answer;
  }

  const call = (name: string, args: unknown) => ({
    toolCalls: [{ name, arguments: JSON.stringify(args) }],
  });

  it('goes through skills, search, memory, MCP, a skill script, voice, a photo and a document', async () => {
    lines.push('# One conversation, every capability (Telegram, doubles)', '');
    expect(await turn('/skills', { chatId: 111, from: ADA, text: '/skills' })).toContain(
      'greeter — Greets people by name',
    );

    llm.script.push(call('web_search', { query: 'Parley' }), {
      text: 'Parley is one agent behind many messengers (parley.example).',
    });
    expect(
      await turn('What is Parley? Search the web.', {
        chatId: 111,
        from: ADA,
        text: 'What is Parley? Search the web.',
      }),
    ).toContain('parley.example');
    expect(searx.requests.at(-1)!.searchParams.get('q')).toBe('Parley');

    llm.script.push(call('remember', { fact: 'Bike lock code is 2468' }), {
      text: 'Got it, I will remember your bike lock code.',
    });
    await turn('Remember: my bike lock code is 2468.', {
      chatId: 111,
      from: ADA,
      text: 'Remember: my bike lock code is 2468.',
    });

    llm.script.push(call('calc__add', { a: 2, b: 40 }), {
      text: '2 + 40 = 42 (via the calc MCP server).',
    });
    expect(
      await turn('Add 2 and 40 with the calculator.', {
        chatId: 111,
        from: ADA,
        text: 'Add 2 and 40 with the calculator.',
      }),
    ).toContain('42');

    llm.script.push(
      call('use_skill', { name: 'greeter' }),
      call('run_skill_script', { skill: 'greeter', script: 'scripts/greet.sh', args: ['Ada'] }),
      { text: 'Hello, Ada! (the greeter skill ran in the sandbox)' },
    );
    await turn('Greet me with the greeter skill.', {
      chatId: 111,
      from: ADA,
      text: 'Greet me with the greeter skill.',
    });
    const script = llm.requests.at(-1)!.body.messages.at(-1)!;
    expect(JSON.parse(String(script.content)).stdout).toMatch(
      /^Hello, Ada! \(from the sandbox, uid \d+\)/,
    );

    llm.script.push({ text: 'Your bike lock code is 2468.' });
    const voice = tg.addFile(Buffer.from('OggS-voice'), 'voice/file_9.oga');
    const heard = await turn('(voice note, 3 s)', {
      chatId: 111,
      from: ADA,
      voice: { fileId: voice, size: 10, duration: 3 },
    });
    expect(heard).toContain('🎙 “What was my bike lock code again?”');
    expect(String(llm.requests.at(-1)!.body.messages[0]!.content)).toContain(
      'Bike lock code is 2468',
    );
    await waitUntil(() => tg.voices.length === 1);
    lines.push(
      `  ↳ spoken reply sent as a Telegram voice note (${tg.voices[0]!.data.length} bytes of Ogg/Opus)`,
      '',
    );

    llm.script.push({ text: 'A tiny test image.' });
    const photo = tg.addFile(Buffer.from('fake-jpeg-bytes'), 'photos/file_10.jpg');
    await turn('(photo) what is this?', {
      chatId: 111,
      from: ADA,
      caption: 'what is this?',
      photo: { fileId: photo, size: 15 },
    });
    const parts = llm.requests.at(-1)!.body.messages.at(-1)!.content as { type: string }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url']);
    lines.push('  ↳ the model received the photo as an image_url part', '');

    // The model reads the document where the message says it was saved.
    const echo = llm.fallback;
    llm.fallback = (request) => {
      const last = request.body.messages.at(-1)!;
      if (last.role === 'tool')
        return {
          text: `The CSV has one row: ${String(last.content).includes('1,2') ? 'a=1, b=2' : '?'}.`,
        };
      const path = /saved at (\/workspace\/\S+),/.exec(String(last.content))?.[1] ?? 'missing';
      return { toolCalls: [{ name: 'read_file', arguments: JSON.stringify({ path }) }] };
    };
    const csv = tg.addFile(Buffer.from('a,b\n1,2\n'), 'documents/file_11.csv');
    const read = await turn('(document data.csv) read this file', {
      chatId: 111,
      from: ADA,
      caption: 'read this file',
      document: { fileId: csv, size: 8, fileName: 'data.csv', mimeType: 'text/csv' },
    });
    llm.fallback = echo;
    expect(read).toBe('The CSV has one row: a=1, b=2.');

    expect(await turn('/memory', { chatId: 111, from: ADA, text: '/memory' })).toContain(
      'Bike lock code is 2468',
    );
  }, 120_000);
});
