/**
 * Startup of the sandboxed tools: with Docker unreachable, shell and run_code are
 * disabled with a reason naming what to install (and nothing runs on the host);
 * with the test image, run_code offers the languages found in it.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { sandboxSchema } from '../../sandbox/config.js';
import { dockerSkipReason, TEST_IMAGE } from '../../sandbox/testing.js';
import { startOpenAIDouble } from '../../test/doubles/openai.js';
import { startParley, testConfig, WebClient } from '../../test/harness.js';
import { Redactor } from '../redact.js';
import { ToolRegistry } from '../registry.js';
import { registerSandboxTools } from './index.js';

function setup(sandbox: Record<string, unknown>) {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const stops: (() => unknown)[] = [];
  return {
    lines,
    stops,
    setup: {
      config: {
        dataDir: mkdtempSync(join(tmpdir(), 'parley-reg-')),
        sandbox: sandboxSchema.parse(sandbox),
      },
      tools: new ToolRegistry(),
      log,
      redactor: new Redactor(),
      onStop: (fn: () => unknown) => void stops.push(fn),
    },
  };
}

describe('sandbox tool registration', () => {
  it('disables shell and run_code when Docker is unreachable, naming what to install', async () => {
    const { setup: s, lines } = setup({ socketPath: '/nonexistent/docker.sock' });
    await registerSandboxTools(s);
    expect(s.tools.unavailable('shell')).toMatch(
      /Docker is not reachable.*Install and start Docker/,
    );
    expect(s.tools.unavailable('run_code')).toMatch(/Docker is not reachable/);
    expect(s.tools.unavailable('read_file')).toBeUndefined();
    expect(lines.join('')).toMatch(/"level":40.*Sandbox unavailable.*apt-get install docker\.io/);
  });

  it('registers nothing when the sandbox is disabled in config', async () => {
    const { setup: s } = setup({ enabled: false });
    expect(await registerSandboxTools(s)).toBeUndefined();
    expect(s.tools.all()).toEqual([]);
  });

  it('never falls back to the host: a shell call without Docker is refused', async () => {
    const llm = await startOpenAIDouble();
    const marker = join(mkdtempSync(join(tmpdir(), 'parley-host-')), 'ran-on-host');
    const parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-x-123456', stream: false },
        tools: { policies: { shell: 'auto' } },
        sandbox: { enabled: true, socketPath: '/nonexistent/docker.sock' },
      }),
    );
    const client = await new WebClient(parley.app.url, parley.app.token, 'user-0001').connect();
    llm.script.push(
      { toolCalls: [{ name: 'shell', arguments: JSON.stringify({ command: `touch ${marker}` }) }] },
      { text: 'tried' },
    );
    await client.send('touch it');
    await client.waitFor((f) => f.type === 'message' && f.text === 'tried');
    const tool = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
    expect(String(tool?.content)).toMatch(/Sandbox unavailable: Docker is not reachable/);
    expect(llm.requests[0]!.body.tools?.map((t) => t.function.name)).not.toContain('shell');
    expect(existsSync(marker)).toBe(false);
    client.close();
    await parley.close();
    await llm.close();
  });
});

const skip = await dockerSkipReason();

describe.skipIf(skip)('sandbox tool registration with Docker', () => {
  it('detects the languages of the image and runs code in them', async () => {
    const { setup: s, stops } = setup({ image: TEST_IMAGE });
    await registerSandboxTools(s);
    const runCode = s.tools.get('run_code')!;
    expect(s.tools.unavailable('run_code')).toBeUndefined();
    const json = s.tools.definitions().find((d) => d.function.name === 'run_code')!;
    expect(JSON.stringify(json.function.parameters)).toContain('"enum":["sh"]');
    const context = {
      sessionId: 1,
      conversationKey: 'web:x:y',
      channel: 'web',
      senderId: 'u',
      signal: new AbortController().signal,
    };
    const result = await runCode.run({ language: 'sh', code: 'echo $((2+3))' }, context);
    expect(JSON.parse(result.content).stdout).toBe('5\n');
    const missing = await runCode.run({ language: 'sh', code: 'python3 -c 1' }, context);
    expect(JSON.parse(missing.content).diagnosis).toMatch(/does not exist.*python3/);
    for (const stop of stops) await stop();
  });

  it('enables shell once the missing image appears (checked every interval)', async () => {
    const image = `parley-late-${process.pid}`;
    const { setup: s, stops } = setup({ image, cleanupIntervalSeconds: 1 });
    await registerSandboxTools(s);
    expect(s.tools.unavailable('shell')).toMatch(/is not present/);
    const docker = new Docker();
    await docker.getImage(TEST_IMAGE).tag({ repo: image, tag: 'latest' });
    try {
      const deadline = Date.now() + 15_000;
      while (s.tools.unavailable('shell') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(s.tools.unavailable('shell')).toBeUndefined();
    } finally {
      for (const stop of stops) await stop();
      await docker.getImage(image).remove();
    }
  });
});
