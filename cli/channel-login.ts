/**
 * `parley channels login <id>`: the command plumbing around a channel module's
 * `login` (WhatsApp pairing). It opens Parley's stores, hands the module a
 * {@link LoginContext} and prints the outcome; the pairing itself lives in the
 * channel's folder. Stop a running Parley first: two sessions of one linked
 * device replace each other.
 */
import pino from 'pino';
import { commands } from '../agent/commands.js';
import type { LoginContext } from '../core/module.js';

import { channelModules, sectionOf, sectionPath } from './channels.js';
import type { ParleyConfig } from './config/schema.js';
import { openStores } from './stores.js';

export interface LoginOptions {
  args: LoginContext<unknown>['args'];
  output: NodeJS.WritableStream;
  /** Stand-ins the module reads for itself (tests). */
  seams?: Readonly<Record<string, unknown>>;
}

/** Runs the login of channel `id`; returns the exit code. */
export async function runLogin(
  config: ParleyConfig,
  id: string,
  options: LoginOptions,
): Promise<number> {
  const print = (line: string) => void options.output.write(`${line}\n`);
  const module = channelModules.find((m) => m.id === id);
  if (!module?.login) {
    const ids = channelModules.filter((m) => m.login).map((m) => m.id);
    print(`No login for "${id}". Channels with a login: ${ids.join(', ') || 'none'}.`);
    return 2;
  }
  const stores = await openStores(config);
  const stops: (() => Promise<void> | void)[] = [];
  const section = sectionOf(module, config);
  try {
    await module.login({
      config: section,
      dataDir: config.dataDir,
      log: pino({ level: 'silent' }),
      stores: {
        authState: (namespace) => stores.authState(namespace),
        webOutbox: stores.webOutbox,
        moveConversation: (channel, from, to) =>
          stores.sessions.moveConversation(channel, from, to),
      },
      commands: commands.map(({ name, description }) => ({ name, description })),
      seams: options.seams ?? {},
      onStop: (fn) => void stops.push(fn),
      output: options.output,
      args: options.args,
    });
    if (!module.enabled(section))
      print(`Enable the channel with \`${sectionPath(module)}.enabled: true\` in parley.yaml.`);
    return 0;
  } catch (error) {
    print(`${module.id} login failed: ${(error as Error).message}`);
    return 1;
  } finally {
    for (const fn of stops.reverse()) await fn();
    await stores.close();
  }
}
