/** `/skills`: the skills the agent can use now, with their descriptions (tools/skills). */
import type { SkillCatalog } from '../tools/skills/catalog.js';
import type { Command } from './commands.js';

export function skillsCommand(catalog: SkillCatalog): Command {
  return {
    name: 'skills',
    description: 'List the skills I can use',
    run: () => {
      if (catalog.skills.length === 0) return `No skills installed (folder: ${catalog.root}).`;
      return [
        `Skills (${catalog.skills.length}):`,
        ...catalog.skills.map((skill) => `• ${skill.name} — ${skill.description}`),
      ].join('\n');
    },
  };
}
