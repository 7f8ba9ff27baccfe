/**
 * A skill through the whole Parley with the Docker sandbox: the model sees the skill
 * in its system prompt, loads it with use_skill, runs its script with
 * run_skill_script in a container where the skill folder is read-only at /skill and
 * the workspace writable; /skills lists it; no container is left behind.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, labelledContainers, TEST_IMAGE } from '../../sandbox/testing.js';
import { workspaceFor } from '../../sessions/workspace/index.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, tempDir, testConfig } from '../harness.js';

const skip = await dockerSkipReason();

describe.skipIf(skip)('skills with sandboxed scripts', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  const channel = new TestChannel('test');
  const skills = tempDir();

  beforeAll(async () => {
    const dir = join(skills, 'greeter');
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    writeFileSync(
      join(dir, 'SKILL.md'),
      '---\nname: greeter\ndescription: Greets people by name\n---\nRun scripts/greet.sh with the name.\n',
    );
    writeFileSync(
      join(dir, 'scripts', 'greet.sh'),
      [
        'echo "Hello, $1! from $(cat /skill/greeting.txt)"',
        'echo "greeted $1" > /workspace/greeted.txt',
        'touch /skill/tampered 2>/dev/null && echo "skill writable" || echo "skill read-only"',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'greeting.txt'), 'the greeter skill');
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-abcdef123', stream: false },
        access: { allow: ['test:user-1'] },
        sandbox: { enabled: true, image: TEST_IMAGE, timeoutSeconds: 10 },
        skills: { dir: skills },
      }),
      { channels: [channel] },
    );
  });
  afterAll(async () => {
    await parley?.close();
    await llm?.close();
    expect(await labelledContainers()).toEqual([]);
  });

  it('loads the skill and runs its script in the sandbox with the folder read-only', async () => {
    llm.script.push(
      { toolCalls: [{ name: 'use_skill', arguments: '{"name":"greeter"}' }] },
      {
        toolCalls: [
          {
            name: 'run_skill_script',
            arguments: '{"skill":"greeter","script":"scripts/greet.sh","args":["Ada"]}',
          },
        ],
      },
      { text: 'Done: Ada was greeted.' },
    );
    await channel.inject({ text: 'greet Ada' });
    const [reply] = await channel.waitForDeliveries(1, 30_000);
    expect(reply!.message.text).toBe('Done: Ada was greeted.');
    const system = String(llm.requests[0]!.body.messages[0]!.content);
    expect(system).toContain('- greeter: Greets people by name');
    const tools = llm.requests.at(-1)!.body.messages.filter((m) => m.role === 'tool');
    expect(String(tools[0]!.content)).toContain('Run scripts/greet.sh with the name.');
    const ran = JSON.parse(String(tools[1]!.content)) as { exitCode: number; stdout: string };
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toBe('Hello, Ada! from the greeter skill\nskill read-only\n');
    const workspace = workspaceFor(parley.app.config.dataDir, 'test:bot:user-1');
    expect(readFileSync(join(workspace, 'greeted.txt'), 'utf8')).toBe('greeted Ada\n');
  });

  it('lists the skills with /skills', async () => {
    const before = channel.delivered.length;
    await channel.inject({ text: '/skills' });
    const all = await channel.waitForDeliveries(before + 1);
    expect(all.at(-1)!.message.text).toBe('Skills (1):\n• greeter — Greets people by name');
  });
});
