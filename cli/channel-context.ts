/**
 * Builds each enabled channel module with the few things a channel may use
 * (core/module.ts `ChannelContext`): its own config section, a logger bound to
 * it, route registration on the HTTP server, workspace files, the channel stores,
 * the chat commands, test seams and shutdown hooks. Never the whole app.
 */
import type { Logger } from 'pino';
import { commands } from '../agent/commands.js';
import type { ChannelAdapter } from '../core/contract.js';
import type { HttpRoutes } from '../core/http.js';
import type { ChannelContext, ChannelModule } from '../core/module.js';
import type { Stores } from '../sessions/stores.js';
import { createWorkspaceFiles } from '../sessions/workspace/index.js';
import { enabledModules, sectionOf } from './channels.js';
import type { ParleyConfig } from './config/schema.js';

export interface ChannelDeps {
  config: ParleyConfig;
  log: Logger;
  http: HttpRoutes | undefined;
  stores: Pick<Stores, 'authState' | 'webOutbox' | 'sessions'>;
  seams: Readonly<Record<string, unknown>>;
  onStop: (fn: () => Promise<void> | void) => void;
  tty?: { write(text: string): void } | undefined;
}

/** The context one module is built with. */
export function channelContext(module: ChannelModule, deps: ChannelDeps): ChannelContext<unknown> {
  const { stores } = deps;
  return {
    config: sectionOf(module, deps.config),
    dataDir: deps.config.dataDir,
    log: deps.log.child({ channel: module.id }),
    http: deps.http,
    files: createWorkspaceFiles(deps.config.dataDir),
    stores: {
      authState: (namespace) => stores.authState(namespace),
      webOutbox: stores.webOutbox,
      moveConversation: (channel, from, to) => stores.sessions.moveConversation(channel, from, to),
    },
    commands: commands.map(({ name, description }) => ({ name, description })),
    seams: deps.seams,
    onStop: deps.onStop,
    tty: deps.tty,
  };
}

/** Builds the adapter of every enabled module, in list order (platform libraries load here). */
export async function createChannels(deps: ChannelDeps): Promise<ChannelAdapter[]> {
  const channels: ChannelAdapter[] = [];
  for (const module of enabledModules(deps.config))
    channels.push(await module.create(channelContext(module, deps)));
  return channels;
}
