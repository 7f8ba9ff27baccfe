/**
 * Skills as tools: `use_skill` hands the model a skill's instructions (and the list
 * of its files) inside the turn; `run_skill_script` runs one of the skill's own files
 * in a fresh sandbox container, the skill folder mounted read-only at /skill and the
 * conversation's workspace at /workspace, never on the host. Only files the loader
 * listed can be named (no path of the model's choosing reaches the mount). The model
 * learns which skills exist from {@link skillsSection}, a system prompt section.
 *
 *   prompt: "Skills: weather — Forecasts …" ─► use_skill(weather) ─► instructions
 *   ─► run_skill_script(weather, scripts/get.sh, [Berlin]) ─► sandbox ─► output
 */
import { z } from 'zod';
import type { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { workspaceFor } from '../../sessions/workspace/index.js';
import type { Redactor } from '../redact.js';
import { defineTool, type Tool } from '../registry.js';
import { toolResult } from '../sandbox/result.js';
import type { SkillCatalog } from './catalog.js';

export function useSkillTool(catalog: SkillCatalog): Tool {
  return defineTool({
    name: 'use_skill',
    description:
      'Loads the instructions of one of the available skills (listed in the system prompt). Call it before doing a task a skill covers, then follow them.',
    policy: 'auto',
    schema: z.object({ name: z.string().describe('The skill name') }),
    async run({ name }) {
      const skill = catalog.get(name);
      if (!skill) {
        const known = catalog.skills.map((s) => s.name).join(', ') || 'none';
        return { content: `No skill "${name}". Available: ${known}.`, isError: true };
      }
      const files = skill.files.length
        ? `\n\nFiles of this skill (read-only at /skill/<path> when run with run_skill_script): ${skill.files.join(', ')}`
        : '';
      return { content: `# Skill: ${skill.name}\n\n${skill.instructions}${files}` };
    },
  }) as Tool;
}

export interface SkillScriptDeps {
  sandbox: DockerSandbox;
  dataDir: string;
  redactor: Redactor;
}

/** The argv running `script` (a path inside /skill) by its extension. */
export function scriptCommand(script: string, args: string[]): string[] {
  const path = `/skill/${script}`;
  if (script.endsWith('.sh')) return ['sh', path, ...args];
  if (script.endsWith('.py')) return ['python3', path, ...args];
  if (/\.(m?js|cjs)$/.test(script)) return ['node', path, ...args];
  return [path, ...args];
}

export function runSkillScriptTool(
  catalog: SkillCatalog,
  deps: SkillScriptDeps,
  policy: 'auto' | 'ask' | 'deny',
): Tool {
  const maxSeconds = deps.sandbox.config.timeoutSeconds;
  return defineTool({
    name: 'run_skill_script',
    description: `Runs a script that belongs to a skill (see use_skill) in an isolated, disposable Linux container: the skill's folder is read-only at /skill, this conversation's files at /workspace (the working directory). .sh runs with sh, .py with python3, .js with node. Time limit ${maxSeconds} s.`,
    policy,
    sandboxed: true,
    schema: z.object({
      skill: z.string().describe('The skill name'),
      script: z
        .string()
        .describe('Path of the script inside the skill folder, e.g. scripts/run.sh'),
      args: z.array(z.string().max(10_000)).max(50).default([]).describe('Arguments'),
    }),
    async run({ skill: name, script, args }, context) {
      const skill = catalog.get(name);
      if (!skill) return { content: `No skill "${name}".`, isError: true };
      if (!skill.files.includes(script))
        return {
          content: `Skill "${name}" has no file "${script}". Its files: ${skill.files.join(', ') || 'none'}.`,
          isError: true,
        };
      const network = deps.sandbox.config.networkTools.includes('run_skill_script');
      const result = await deps.sandbox.run({
        cmd: scriptCommand(script, args),
        workspace: workspaceFor(deps.dataDir, context.conversationKey),
        readOnlyMounts: [{ host: skill.dir, container: '/skill' }],
        network,
        signal: context.signal,
      });
      return toolResult(result, deps.redactor, network);
    },
  }) as Tool;
}

/** The system prompt section naming every skill with its description. */
export function skillsSection(catalog: SkillCatalog): () => string | undefined {
  return () => {
    if (catalog.skills.length === 0) return undefined;
    return [
      'Skills you can use (call use_skill with the name to load its instructions first):',
      ...catalog.skills.map((skill) => `- ${skill.name}: ${skill.description}`),
    ].join('\n');
  };
}
