/**
 * Config section `skills`: the folder of skills (one folder per skill with a
 * SKILL.md), whether their scripts may run (in the sandbox only) and with which policy.
 */
import { z } from 'zod';

export const skillsSchema = z
  .object({
    dir: z
      .string()
      .optional()
      .meta({ env: 'PARLEY_SKILLS_DIR', example: './skills' })
      .describe(
        'Folder holding one folder per skill (<name>/SKILL.md and optional files); skills are offered when set. Reloaded when it changes.',
      ),
    scriptPolicy: z
      .enum(['auto', 'ask', 'deny'])
      .default('auto')
      .describe(
        "Policy of run_skill_script (runs a skill's own script in the sandbox, the skill folder read-only at /skill).",
      ),
    maxSkillBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024)
      .describe('Largest SKILL.md read; a bigger one is reported and skipped.'),
    reloadDebounceMs: z
      .number()
      .int()
      .min(10)
      .default(300)
      .describe('Wait this long after the last change in the folder before reloading.'),
  })
  .strict()
  .prefault({});

export type SkillsConfig = z.infer<typeof skillsSchema>;
