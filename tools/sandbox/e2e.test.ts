/**
 * The sandboxed tools through the whole Parley (startParley + WebClient + the
 * OpenAI double scripting `shell` calls): approval flows (approve, deny, expire),
 * redaction of output, a fork bomb that does not stop other conversations, and
 * leaving no container behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, labelledContainers, TEST_IMAGE } from '../../sandbox/testing.js';
import {
  type OpenAIDouble,
  type RecordedRequest,
  startOpenAIDouble,
} from '../../test/doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../../test/harness.js';

const skip = await dockerSkipReason();
const SECRET = 'sk-e2e-secret-key-987654';

function toolMessages(llm: OpenAIDouble): string[] {
  return llm.requests.flatMap((request: RecordedRequest) =>
    request.body.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)),
  );
}

async function parleyWith(llm: OpenAIDouble, owner: string, extra: Record<string, unknown> = {}) {
  return startParley(
    testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: SECRET, stream: false },
      access: { owners: [`web:${owner}`] },
      sandbox: { enabled: true, image: TEST_IMAGE, timeoutSeconds: 10 },
      ...extra,
    }),
  );
}

describe.skipIf(skip)('sandboxed shell through Parley', () => {
  let llm: OpenAIDouble;
  let parley: Running | undefined;
  let client: WebClient;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
  });
  afterEach(async () => {
    client?.close();
    await parley?.close();
    expect(await labelledContainers()).toEqual([]);
    parley = undefined;
    llm.requests.length = 0;
    llm.script.length = 0;
  });
  afterAll(async () => {
    await llm.close();
    expect(await labelledContainers()).toEqual([]);
  });

  async function askShell(command: string, extra: Record<string, unknown> = {}) {
    parley = await parleyWith(llm, 'owner-0001', extra);
    client = await new WebClient(parley.app.url, parley.app.token, 'owner-0001').connect();
    llm.script.push(
      { toolCalls: [{ name: 'shell', arguments: JSON.stringify({ command }) }] },
      { text: 'all done' },
    );
    await client.send('please run it');
    return client.waitFor((f) => f.type === 'message' && Boolean(f.buttons?.length));
  }

  it('approve: the command runs in the sandbox and the model gets its output', async () => {
    const prompt = await askShell(`echo sandboxed-$((6*7)); echo ${SECRET}; id -u`);
    expect(prompt.text).toContain('Approval needed');
    const approve = prompt.buttons!.find((b) => b.data.endsWith(':approve'))!;
    await client.press(approve.data);
    await client.waitFor((f) => f.type === 'message' && f.text === 'all done', 20_000);
    const [output] = toolMessages(llm);
    expect(output).toContain('sandboxed-42');
    expect(output).toContain('[redacted]');
    expect(output).not.toContain(SECRET);
    expect(JSON.parse(output!).exitCode).toBe(0);
    expect(JSON.parse(output!).stdout).toContain('65534');
  });

  it('deny: nothing runs and the model is told', async () => {
    const prompt = await askShell('echo should-not-run');
    await client.press(prompt.buttons!.find((b) => b.data.endsWith(':deny'))!.data);
    await client.waitFor((f) => f.type === 'message' && f.text === 'all done', 20_000);
    const [output] = toolMessages(llm);
    expect(output).toMatch(/denied this call/);
    expect(output).not.toContain('should-not-run');
  });

  it('expire: an unanswered request is denied after the timeout', async () => {
    await askShell('echo should-not-run', { tools: { approvalTimeoutMinutes: 0.02 } });
    await client.waitFor((f) => f.type === 'message' && f.text === 'all done', 20_000);
    expect(toolMessages(llm)[0]).toMatch(/did not answer in time/);
  });

  it('keeps answering other conversations while a fork bomb runs', async () => {
    parley = await parleyWith(llm, 'owner-0001', { tools: { policies: { shell: 'auto' } } });
    const bomb = '(bomb() { bomb | bomb & }; bomb) & while :; do :; done';
    llm.fallback = (request) => {
      const last = request.body.messages.at(-1)!;
      if (last.role === 'user' && last.content === 'bomb')
        return {
          toolCalls: [
            { name: 'shell', arguments: JSON.stringify({ command: bomb, timeoutSeconds: 5 }) },
          ],
        };
      if (last.role === 'tool') return { text: 'bomb finished' };
      return { text: `echo: ${String(last.content)}` };
    };
    client = await new WebClient(parley.app.url, parley.app.token, 'owner-0001').connect();
    const other = await new WebClient(parley.app.url, parley.app.token, 'other-0001').connect();
    await client.send('bomb');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the bomb is running
    await other.send('hello');
    await other.waitFor((f) => f.type === 'message' && f.text === 'echo: hello', 10_000);
    const otherAnsweredAt = Date.now();
    await client.waitFor((f) => f.type === 'message' && f.text === 'bomb finished', 20_000);
    const bombAnsweredAt = Date.now();
    const tool = toolMessages(llm).find((content) => content.includes('exitCode'));
    const output = JSON.parse(tool!.replace(/^Error: /, ''));
    expect(output.timedOut, tool).toBe(true);
    expect(output.diagnosis).toMatch(/time limit/);
    expect(otherAnsweredAt).toBeLessThan(bombAnsweredAt - 1000);
    other.close();
  });

  it('disables shell and run_code when the image is missing, with the reason', async () => {
    parley = await parleyWith(llm, 'owner-0001', {
      sandbox: { enabled: true, image: 'parley-no-such-image' },
    });
    const { tools } = parley.app;
    expect(tools.unavailable('shell')).toMatch(/image "parley-no-such-image" is not present/);
    expect(tools.unavailable('run_code')).toMatch(/docker pull parley-no-such-image/);
    expect(tools.definitions().map((d) => d.function.name)).not.toContain('shell');
  });
});
