import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/harness.js';
import { SkillCatalog } from './catalog.js';
import { runSkillScriptTool, scriptCommand, skillsSection, useSkillTool } from './index.js';
import { loadSkills } from './load.js';

const log = pino({ level: 'silent' });
const context = {
  sessionId: 1,
  conversationKey: 'test:a:c',
  channel: 'test',
  senderId: 'u',
  signal: new AbortController().signal,
};

function skill(root: string, folder: string, front: string, body = 'Do the thing.'): string {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), `---\n${front}\n---\n${body}\n`);
  return dir;
}

describe('loading a skills folder', () => {
  it('reads name, description, instructions and files; reports bad skills without failing', async () => {
    const root = tempDir();
    const weather = skill(
      root,
      'weather',
      'name: weather\ndescription: Forecasts for a city',
      '# Weather\nRun the script.',
    );
    mkdirSync(join(weather, 'scripts'));
    writeFileSync(join(weather, 'scripts', 'get.sh'), 'echo sunny');
    writeFileSync(join(weather, 'notes.txt'), 'n');
    skill(root, 'nodesc', 'name: nodesc');
    skill(root, 'Bad Name', 'name: Bad Name\ndescription: x');
    mkdirSync(join(root, 'plain'));
    writeFileSync(join(root, 'plain', 'SKILL.md'), 'no front matter');
    mkdirSync(join(root, 'empty'));
    const { skills, problems } = await loadSkills(root, 64 * 1024);
    expect(skills.map((s) => [s.name, s.description, s.instructions, s.files])).toEqual([
      [
        'weather',
        'Forecasts for a city',
        '# Weather\nRun the script.',
        ['notes.txt', 'scripts/get.sh'],
      ],
    ]);
    expect(skills[0]!.dir).toBe(weather);
    expect(problems.join('\n')).toMatch(/Bad Name\/SKILL.md: name/);
    expect(problems.join('\n')).toMatch(/nodesc\/SKILL.md: description/);
    expect(problems.join('\n')).toMatch(/plain\/SKILL.md: expected front matter/);
    expect(problems).toContain('empty/SKILL.md: "empty/SKILL.md" does not exist');
  });

  it('follows no symlink: a linked skill folder, SKILL.md or script is not read', async () => {
    const root = tempDir();
    const outside = tempDir();
    skill(outside, 'secret', 'name: secret\ndescription: from outside');
    writeFileSync(join(outside, 'passwd'), 'root:x:0:0');
    symlinkSync(join(outside, 'secret'), join(root, 'linked'));
    mkdirSync(join(root, 'linkedmd'));
    symlinkSync(join(outside, 'secret', 'SKILL.md'), join(root, 'linkedmd', 'SKILL.md'));
    const real = skill(root, 'real', 'name: real\ndescription: ok');
    symlinkSync(join(outside, 'passwd'), join(real, 'passwd.sh'));
    const { skills, problems } = await loadSkills(root, 64 * 1024);
    expect(skills.map((s) => s.name)).toEqual(['real']);
    expect(skills[0]!.files).toEqual([]);
    expect(problems.join('\n')).toContain('linked: a symlink, skipped');
    expect(problems.join('\n')).toMatch(/linkedmd\/SKILL.md: .*(link|refused)/i);
  });

  it('refuses a SKILL.md over maxSkillBytes', async () => {
    const root = tempDir();
    skill(root, 'big', 'name: big\ndescription: big', 'x'.repeat(5000));
    const { skills, problems } = await loadSkills(root, 1024);
    expect(skills).toEqual([]);
    expect(problems[0]).toMatch(/big\/SKILL.md: \d+ bytes, more than skills.maxSkillBytes/);
  });
});

describe('the skill catalog', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function until(catalog: SkillCatalog, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`catalog: ${catalog.skills.map((s) => s.name)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('reloads when a skill is added, edited or removed (debounced)', async () => {
    const root = tempDir();
    skill(root, 'one', 'name: one\ndescription: first');
    const catalog = new SkillCatalog(root, { maxSkillBytes: 65536, reloadDebounceMs: 50 }, log);
    await catalog.load();
    stop = catalog.watch();
    expect(catalog.skills.map((s) => s.name)).toEqual(['one']);
    const before = catalog.generation;
    // Several writes in a burst: one reload after the quiet period.
    const two = skill(root, 'two', 'name: two\ndescription: second');
    writeFileSync(join(two, 'run.sh'), 'echo 2');
    await until(catalog, () => catalog.skills.length === 2);
    expect(catalog.generation - before).toBe(1);
    expect(catalog.get('two')!.files).toEqual(['run.sh']);
    skill(root, 'one', 'name: one\ndescription: first, edited');
    await until(catalog, () => catalog.get('one')?.description === 'first, edited');
    renameSync(join(root, 'two'), join(root, '.two-disabled'));
    await until(catalog, () => catalog.skills.length === 1);
    rmSync(join(root, 'one'), { recursive: true });
    await until(catalog, () => catalog.skills.length === 0);
  });

  it('offers names and descriptions to the model and instructions through use_skill', async () => {
    const root = tempDir();
    const dir = skill(
      root,
      'haiku',
      'name: haiku\ndescription: Writes haiku',
      'Use 5-7-5 syllables.',
    );
    writeFileSync(join(dir, 'count.sh'), 'echo 17');
    const catalog = new SkillCatalog(root, { maxSkillBytes: 65536, reloadDebounceMs: 50 }, log);
    await catalog.load();
    expect(skillsSection(catalog)()).toBe(
      'Skills you can use (call use_skill with the name to load its instructions first):\n- haiku: Writes haiku',
    );
    const tool = useSkillTool(catalog);
    const used = await tool.run({ name: 'haiku' }, context);
    expect(used.content).toContain('# Skill: haiku\n\nUse 5-7-5 syllables.');
    expect(used.content).toContain('count.sh');
    const missing = await tool.run({ name: 'nope' }, context);
    expect(missing).toMatchObject({ isError: true, content: 'No skill "nope". Available: haiku.' });
  });

  it('runs only files the skill has, by extension, never a path the model made up', async () => {
    const root = tempDir();
    const dir = skill(root, 'tool', 'name: tool\ndescription: t');
    writeFileSync(join(dir, 'a.sh'), 'echo a');
    const catalog = new SkillCatalog(root, { maxSkillBytes: 65536, reloadDebounceMs: 50 }, log);
    await catalog.load();
    const runs: unknown[] = [];
    const sandbox = {
      config: { timeoutSeconds: 10, networkTools: [] },
      run: async (request: unknown) => {
        runs.push(request);
        throw new Error('not reached');
      },
    };
    const tool = runSkillScriptTool(
      catalog,
      {
        sandbox: sandbox as never,
        dataDir: tempDir(),
        redactor: { redact: (s: string) => s } as never,
      },
      'auto',
    );
    for (const script of ['../../etc/passwd', '/etc/passwd', 'b.sh', 'SKILL.md']) {
      const result = await tool.run({ skill: 'tool', script, args: [] }, context);
      expect(result.isError).toBe(true);
      expect(result.content).toContain('has no file');
    }
    expect(runs).toEqual([]);
    expect(scriptCommand('a.sh', ['x'])).toEqual(['sh', '/skill/a.sh', 'x']);
    expect(scriptCommand('tools/b.py', [])).toEqual(['python3', '/skill/tools/b.py']);
    expect(scriptCommand('c.mjs', [])).toEqual(['node', '/skill/c.mjs']);
    expect(scriptCommand('bin/run', [])).toEqual(['/skill/bin/run']);
  });
});
