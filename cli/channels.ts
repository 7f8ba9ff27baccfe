/**
 * The one list of channel modules. `parley start` builds the enabled ones,
 * `parley doctor` probes them, `parley channels login <id>` logs one in, and the
 * config schema gets one `channels.<id>` section per module from here. Adding a
 * channel is its folder plus one line below (docs/architecture.md).
 *
 * Every module imports its platform library inside `create`, so a Parley without
 * Slack never loads Bolt (start-up time and memory stay small).
 *
 * The terminal chat is not a module: it runs on the process's own stdin/stdout,
 * which only `parley start` can hand it (see cli/app.ts).
 */

import { discord } from '../channels/discord/index.js';
import { slack } from '../channels/slack/index.js';
import { telegram } from '../channels/telegram/index.js';
import { web } from '../channels/web/index.js';
import { whatsapp } from '../channels/whatsapp/index.js';
import type { ChannelModule } from '../core/module.js';

export const channelModules: readonly ChannelModule[] = [web, telegram, whatsapp, discord, slack];

/**
 * The part of Parley's config these helpers read: the channel sections. (Structural,
 * since the config schema itself is composed from `channelModules`.)
 */
type ChannelSections = { channels: object };

/** The module's validated section (its defaults when the section is absent). */
export function sectionOf(module: ChannelModule, config: ChannelSections): unknown {
  const sections = (module.configKey ? config : config.channels) as Record<string, unknown>;
  return sections[module.configKey ?? module.id] ?? module.config.parse({});
}

/** The modules whose section asks for them to run. */
export function enabledModules(config: ChannelSections): ChannelModule[] {
  return channelModules.filter((module) => module.enabled(sectionOf(module, config)));
}

/** Config path of a module's section, e.g. `channels.telegram` or `web`. */
export const sectionPath = (module: ChannelModule): string =>
  module.configKey ?? `channels.${module.id}`;
