/**
 * A reminder is delivered exactly once across SIGKILL: a real Parley process (web
 * chat, loopback OpenAI double) creates a reminder through the agent's `schedule`
 * tool; the process is killed with SIGKILL while the reminder's run is with the
 * model, or just before it is due; after restarts on the same SQLite file the
 * reminder reaches the conversation once.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { sleep, spawnParley, tempDir, WebClient, writeTestConfigFile } from '../harness.js';

const TOKEN = 'sched-crash-token-0123456789';
const children: ChildProcess[] = [];

async function runParley(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const { child, ready } = spawnParley(['--import', 'tsx', 'cli/parley.ts'], {
    PATH: process.env.PATH,
    PARLEY_CONFIG: configPath,
  });
  children.push(child);
  return { child, url: await ready };
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

const createReminder = (at: string) => ({
  toolCalls: [
    {
      name: 'schedule',
      arguments: JSON.stringify({ action: 'create', at, instruction: 'Remind me to stretch' }),
    },
  ],
});

const jobPrompts = (llm: OpenAIDouble) =>
  llm.requests.filter((r) => r.body.messages.at(-1)?.content === 'Remind me to stretch');

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

// Three starts of a real process each: slow on a loaded machine.
describe('scheduled jobs across SIGKILL', { timeout: 90_000 }, () => {
  let llm: OpenAIDouble;
  afterEach(async () => llm?.close());

  const setup = async () => {
    llm = await startOpenAIDouble();
    return writeTestConfigFile(tempDir(), {
      web: `{ port: 0, token: ${TOKEN} }`,
      extra: [`llm: { baseUrl: "${llm.baseUrl}", apiKey: sk-crash-test, maxRetries: 0 }`],
    });
  };

  it('delivers a reminder once when Parley is killed while its run is with the model', async () => {
    const configPath = await setup();
    llm.script.push(createReminder('in 2 seconds'), { text: 'I will remind you.' }, { hang: true });
    const first = await runParley(configPath);
    const client = await new WebClient(first.url, TOKEN).connect();
    await client.send('remind me to stretch in 2 seconds');
    await client.waitForMessages(1);
    await client.until(() => jobPrompts(llm).length === 1, 15_000);
    await kill(first.child);
    client.close();

    llm.script.push({ text: 'Time to stretch!' });
    const second = await runParley(configPath);
    const again = await new WebClient(second.url, TOKEN, client.clientId).connect();
    await again.waitForMessages(2, 15_000);
    await sleep(1500);
    expect(again.messages().map((m) => m.text)).toEqual(['I will remind you.', 'Time to stretch!']);
    expect(jobPrompts(llm)).toHaveLength(2);
    again.close();

    // A third start finds nothing left to run.
    await kill(second.child);
    const third = await runParley(configPath);
    const last = await new WebClient(third.url, TOKEN, client.clientId).connect();
    await sleep(1500);
    expect(last.messages().map((m) => m.text)).toEqual(['I will remind you.', 'Time to stretch!']);
    expect(jobPrompts(llm)).toHaveLength(2);
    last.close();
  });

  it('delivers a reminder once when Parley is killed just before it is due', async () => {
    const configPath = await setup();
    llm.script.push(createReminder('in 3 seconds'), { text: 'Noted.' });
    const first = await runParley(configPath);
    const client = await new WebClient(first.url, TOKEN).connect();
    await client.send('remind me to stretch in 3 seconds');
    await client.waitForMessages(1);
    await kill(first.child);
    client.close();
    await sleep(3500);

    llm.script.push({ text: 'Stretch now.' });
    const second = await runParley(configPath);
    const again = await new WebClient(second.url, TOKEN, client.clientId).connect();
    await again.waitForMessages(2, 15_000);
    await kill(second.child);
    const third = await runParley(configPath);
    const last = await new WebClient(third.url, TOKEN, client.clientId).connect();
    await sleep(1500);
    expect(last.messages().map((m) => m.text)).toEqual(['Noted.', 'Stretch now.']);
    expect(jobPrompts(llm)).toHaveLength(1);
    last.close();
  });
});
