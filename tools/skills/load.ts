/**
 * Reads a skills folder: every sub-folder holding a `SKILL.md` is a skill. The file
 * opens with YAML front matter (`name`, `description`) between `---` lines; the rest
 * is the instructions. Other files of the folder (scripts, templates) are listed, up
 * to a cap, with their paths relative to the skill.
 *
 * The folder may be edited while Parley runs and scripts run against it, so it is
 * read like a workspace (sessions/workspace): no symlink is followed at any level
 * (a linked skill folder or SKILL.md is skipped with a problem), only regular files
 * are read, reads are capped. A skill that fails to parse is reported, never fatal.
 *
 * @example
 * ```
 * skills/weather/SKILL.md     ---\nname: weather\ndescription: Forecasts via wttr.in\n---\nCall …
 * skills/weather/scripts/get.sh
 * ```
 */
import { join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { Workspace } from '../../sessions/workspace/index.js';

export interface Skill {
  name: string;
  description: string;
  instructions: string;
  /** Folder of the skill on the host (mounted read-only at /skill for its scripts). */
  dir: string;
  /** Files besides SKILL.md, relative to the skill folder. */
  files: string[];
}

export interface LoadedSkills {
  skills: Skill[];
  /** Why a folder was skipped, e.g. `bad/SKILL.md: front matter needs a description`. */
  problems: string[];
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;
const MAX_SKILLS = 200;
const MAX_FILES = 100;

const frontMatter = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'name: 1–64 lowercase letters, digits or "-"'),
  description: z.string().min(1).max(1024),
});

export async function loadSkills(root: string, maxBytes: number): Promise<LoadedSkills> {
  const folder = new Workspace(root, join(root, '.staging-unused'));
  const listing = await folder.list('.', MAX_SKILLS);
  const skills: Skill[] = [];
  const problems: string[] = [];
  for (const entry of listing.entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.type === 'symlink') problems.push(`${entry.name}: a symlink, skipped`);
    if (entry.type !== 'dir') continue;
    try {
      const skill = await loadOne(folder, root, entry.name, maxBytes);
      if (skills.some((s) => s.name === skill.name))
        problems.push(`${entry.name}: another skill is already named "${skill.name}"`);
      else skills.push(skill);
    } catch (error) {
      // Workspace errors name paths as the sandbox sees them; here they are the folder's.
      const reason = (error as Error).message.replaceAll('"/workspace/', '"');
      problems.push(`${entry.name}/SKILL.md: ${reason}`);
    }
  }
  if (listing.more) problems.push(`more than ${MAX_SKILLS} entries: the rest were not read`);
  return { skills, problems };
}

async function loadOne(
  folder: Workspace,
  root: string,
  name: string,
  maxBytes: number,
): Promise<Skill> {
  const { data, size } = await folder.readFile(`${name}/SKILL.md`, maxBytes);
  if (size > maxBytes) throw new Error(`${size} bytes, more than skills.maxSkillBytes`);
  const match = FRONT_MATTER.exec(data.toString('utf8'));
  if (!match) throw new Error('expected front matter between --- lines (name, description)');
  const parsed = frontMatter.safeParse(YAML.parse(match[1]!) ?? {});
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return {
    ...parsed.data,
    instructions: match[2]!.trim(),
    dir: join(root, name),
    files: await listFiles(folder, name),
  };
}

/** Regular files below the skill folder (no links followed), breadth first, capped. */
async function listFiles(folder: Workspace, skill: string): Promise<string[]> {
  const files: string[] = [];
  const queue = [''];
  while (queue.length && files.length < MAX_FILES) {
    const sub = queue.shift()!;
    const listing = await folder.list(sub ? `${skill}/${sub}` : skill, MAX_FILES);
    for (const entry of listing.entries) {
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.type === 'dir' && !entry.name.startsWith('.')) queue.push(path);
      else if (entry.type === 'file' && path !== 'SKILL.md') files.push(path);
    }
  }
  return files.sort().slice(0, MAX_FILES);
}
