/**
 * The capabilities that reach into a turn beyond a tool: each registers its tools
 * and adds what the model should know (a system prompt section), a step on the
 * inbound message, or a chat command, to the lists the router was given:
 *
 *   MCP servers down ─► prompt note
 *   memory           ─► remember / recall / forget, relevant memories in the prompt, /memory
 *   skills           ─► use_skill, run_skill_script (sandbox), the list in the prompt, /skills
 *   media            ─► voice notes transcribed into the message; spoken replies (Telegram)
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Command } from '../agent/commands.js';
import { openAISpeaker, openAITranscriber } from '../agent/media/audio-client.js';
import type { MediaConfig } from '../agent/media/config.js';
import { speechStep } from '../agent/media/speech.js';
import { transcriptionStep } from '../agent/media/transcribe.js';
import { memoryCommand, memorySection } from '../agent/memory.js';
import { skillsCommand } from '../agent/skills.js';
import type { TurnExtensions } from '../agent/turn-context.js';
import type { DockerSandbox } from '../sandbox/docker-sandbox.js';
import type { MemoryStore } from '../sessions/stores.js';
import type { McpManager } from '../tools/mcp/manager.js';
import type { MemoryConfig } from '../tools/memory/config.js';
import { memoryTools } from '../tools/memory/index.js';
import type { Redactor } from '../tools/redact.js';
import type { ToolRegistry } from '../tools/registry.js';
import { SkillCatalog } from '../tools/skills/catalog.js';
import type { SkillsConfig } from '../tools/skills/config.js';
import { runSkillScriptTool, skillsSection, useSkillTool } from '../tools/skills/index.js';

export interface CapabilitySetup {
  config: { dataDir: string; memory: MemoryConfig; skills: SkillsConfig; media: MediaConfig };
  tools: ToolRegistry;
  stores: { memory: MemoryStore };
  mcp: McpManager | undefined;
  sandbox: DockerSandbox | undefined;
  turn: TurnExtensions;
  commands: Command[];
  log: Logger;
  redactor: Redactor;
  onStop: (fn: () => Promise<void> | void) => void;
}

export async function registerCapabilities(setup: CapabilitySetup): Promise<void> {
  const { config, tools, turn, commands, mcp } = setup;
  if (mcp) turn.sections.push(() => mcp.note());
  if (config.memory.enabled) {
    for (const tool of memoryTools(setup.stores.memory, config.memory)) tools.register(tool);
    turn.sections.push(memorySection(setup.stores.memory, config.memory));
    commands.push(memoryCommand(setup.stores.memory, config.memory));
  }
  if (config.skills.dir) await registerSkills(setup, config.skills.dir);
  registerMedia(setup);
}

/** Voice notes → transcript (or a reply saying how to enable it); optional spoken replies. */
function registerMedia({ config, turn, redactor, log }: CapabilitySetup): void {
  const { transcription, speech } = config.media;
  const listen = transcription.baseUrl;
  turn.prepare.push(
    transcriptionStep(
      transcription,
      listen ? openAITranscriber({ ...transcription, baseUrl: listen }) : undefined,
    ),
  );
  const speakAt = speech.baseUrl ?? listen;
  if (speech.enabled && !speakAt)
    log.warn(
      'media.speech.enabled is true but no endpoint is set: set media.speech.baseUrl (PARLEY_SPEECH_URL) or media.transcription.baseUrl; answers stay text only.',
    );
  if (!speech.enabled || !speakAt) return;
  const apiKey = speech.apiKey ?? transcription.apiKey;
  if (apiKey) redactor.add(apiKey);
  const speak = openAISpeaker({ ...speech, baseUrl: speakAt, ...(apiKey ? { apiKey } : {}) });
  turn.finish = [...(turn.finish ?? []), speechStep(speech, speak)];
}

/** Skills from `skills.dir`, reloaded on change; scripts only through the sandbox. */
async function registerSkills(setup: CapabilitySetup, dir: string): Promise<void> {
  const { config, tools, turn, commands, log } = setup;
  const catalog = new SkillCatalog(resolve(dir), config.skills, log);
  await catalog.load();
  setup.onStop(catalog.watch());
  tools.register(useSkillTool(catalog));
  turn.sections.push(skillsSection(catalog));
  commands.push(skillsCommand(catalog));
  if (!setup.sandbox) return;
  const deps = { sandbox: setup.sandbox, dataDir: config.dataDir, redactor: setup.redactor };
  tools.register(runSkillScriptTool(catalog, deps, config.skills.scriptPolicy));
}
