/**
 * The workspace attack battery through the agent's own path (startParley +
 * WebClient + the OpenAI double scripting tool calls): what a sandboxed command
 * leaves in the workspace must not turn host-side access against Parley.
 * - a planted symlink at an attachment's name: saving the attachment leaves the
 *   link's host target untouched;
 * - a planted FIFO: read_file and write_file answer with a clear error, and the
 *   process keeps answering (before the fix, the open blocked the event loop).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, labelledContainers, TEST_IMAGE } from '../../sandbox/testing.js';
import { saveToWorkspace, stagingFor, Workspace } from '../../sessions/workspace/index.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../../test/harness.js';

const skip = await dockerSkipReason();

describe.skipIf(skip)('workspace attacks through Parley', () => {
  let llm: OpenAIDouble;
  let parley: Running | undefined;
  let client: WebClient | undefined;
  let dataDir: string;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
  });
  afterEach(async () => {
    client?.close();
    await parley?.close();
    parley = undefined;
    llm.requests.length = 0;
    llm.script.length = 0;
    expect(await labelledContainers()).toEqual([]);
  });
  afterAll(() => llm.close());

  /** Runs the scripted tool calls (all auto-approved) and returns the tool results. */
  async function runTools(calls: { name: string; args: Record<string, unknown> }[]) {
    const config = testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-attack-test-000', stream: false },
      access: { owners: ['web:owner-0001'] },
      sandbox: { enabled: true, image: TEST_IMAGE, timeoutSeconds: 10 },
      tools: { policies: { shell: 'auto', write_file: 'auto', read_file: 'auto' } },
    });
    dataDir = config.dataDir;
    parley = await startParley(config);
    client = await new WebClient(parley.app.url, parley.app.token, 'owner-0001').connect();
    for (const call of calls)
      llm.script.push({ toolCalls: [{ name: call.name, arguments: JSON.stringify(call.args) }] });
    llm.script.push({ text: 'all done' });
    await client.send('go');
    await client.waitFor((f) => f.type === 'message' && f.text === 'all done', 30_000);
    const last = llm.requests.at(-1)!; // carries every tool result of the turn
    return last.body.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
  }

  function theWorkspace(): string {
    const [name] = readdirSync(join(dataDir, 'workspaces')).filter((n) => !n.startsWith('.'));
    return join(dataDir, 'workspaces', name!);
  }

  it('a symlink planted at an attachment name does not let the save overwrite a host file', async () => {
    const host = join(mkdtempSync(join(tmpdir(), 'parley-host-')), 'victim.txt');
    writeFileSync(host, 'host content');
    const names = ['report.pdf', `${Date.now()}-report.pdf`];
    const plant = names.map((n) => `ln -s ${host} /workspace/${n}`).join(' && ');
    const [planted] = await runTools([{ name: 'shell', args: { command: `${plant} && ls -l` } }]);
    expect(JSON.parse(planted!).exitCode).toBe(0);
    const workspace = theWorkspace();
    for (const name of names) saveToWorkspace(workspace, name, Buffer.from('attacker bytes'));
    const files = new Workspace(workspace, stagingFor(workspace)); // what saveInbound uses
    for (const name of names) await files.saveInbound(name, Buffer.from('attacker bytes'));
    expect(readFileSync(host, 'utf8')).toBe('host content');
  });

  it('a planted FIFO gets a clear error from read_file and write_file; Parley keeps going', async () => {
    const results = await runTools([
      { name: 'shell', args: { command: 'mkfifo /workspace/r.fifo && echo made' } },
      { name: 'read_file', args: { path: 'r.fifo' } },
      { name: 'write_file', args: { path: 'r.fifo', content: 'x' } },
      { name: 'shell', args: { command: 'echo still-alive' } },
    ]);
    expect(results).toHaveLength(4);
    expect(results[1]).toMatch(/FIFO \(named pipe\): refused/);
    expect(results[2]).toMatch(/FIFO \(named pipe\): refused/);
    expect(results[3]).toContain('still-alive');
  });
});
