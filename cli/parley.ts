/**
 * The `parley` command line. Every command reads the same validated config
 * (parley.yaml + environment) and works on the same data (SQLite file or Postgres) as a running
 * Parley, so `pairing approve` or `sessions purge` take effect without a restart.
 *
 *   parley start [--role all|gateway|worker]   run Parley (web chat, terminal, channels)
 *   parley config validate           check parley.yaml and the environment
 *   parley doctor                    check Docker, provider and channel credentials, with fixes
 *   parley status                    ask the running Parley for channels, queue, approvals
 *   parley pairing list | approve <code> | reject <code>
 *   parley sessions list | export <channel:user> [file] | purge <channel:user>
 *   parley channels login <id> [--phone <number>]   (a channel module with `login`, e.g. whatsapp)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessStore, SessionStore } from '../sessions/stores.js';
import { createApp, NODE_ROLES, type NodeRole } from './app.js';
import { runLogin } from './channel-login.js';
import { enabledModules } from './channels.js';
import { dormantChannels, dormantLine } from './config/dormant.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { ParleyConfig } from './config/schema.js';
import { statusCommand } from './status.js';
import { openStores } from './stores.js';

type CommandFn = (args: string[], config: ParleyConfig) => Promise<number>;

const out = (line = '') => process.stdout.write(`${line}\n`);

const commands: Record<string, CommandFn> = {
  start: startCommand,
  config: configCommand,
  pairing: pairingCommand,
  sessions: sessionsCommand,
  channels: channelsCommand,
  status: (args, config) => statusCommand(args, config),
  // Loaded when run: doctor brings dockerode (about 25 MB, with its SSH and gRPC stacks).
  doctor: async (args, config) => (await import('./doctor.js')).doctorCommand(args, config),
};

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') return usage(0);
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n`);
    return usage(2);
  }
  let config: ParleyConfig;
  try {
    config = loadConfig({ env: process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  return command(args, config);
}

function usage(code: number): number {
  out('Usage: parley <command>');
  out('  start [--role all|gateway|worker]  run Parley (roles: several nodes on Postgres)');
  out('  config validate                    check parley.yaml and environment overrides');
  out(
    '  doctor                             check config, Docker, provider and channel credentials',
  );
  out(
    '  status                             channels, queue and pending work of the running Parley',
  );
  out('  pairing list                       pending pairing requests');
  out('  pairing approve <code>             let the sender of a pairing code talk to the agent');
  out('  pairing reject <code>              refuse a pairing code');
  out('  sessions list                      recent sessions');
  out("  sessions export <channel:user> [file]   a user's conversations as JSON");
  out("  sessions purge <channel:user>      delete a user's conversations");
  out('  channels login whatsapp [--phone <number>]   link WhatsApp (QR, or pairing code)');
  return code;
}

async function startCommand(args: string[], config: ParleyConfig): Promise<number> {
  const role = roleOf(args);
  if (!role) {
    out(`--role takes one of ${NODE_ROLES.join(', ')}.`);
    return 2;
  }
  const useTerminal =
    config.terminal.enabled === 'on' ||
    (config.terminal.enabled === 'auto' && process.stdin.isTTY === true);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    process.exit(code);
  };
  const app = await createApp(config, {
    role,
    ...(useTerminal
      ? {
          terminal: {
            input: process.stdin,
            output: process.stdout,
            onClose: () => void shutdown(0),
          },
        }
      : {}),
  });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const announce = () => {
    if (app.url) {
      out(`Parley is running. Web chat: ${app.url}/?token=${app.token}`);
      out(`Access token: ${app.token}`);
    } else out('Parley is running (web chat disabled).');
    if (app.providerMissing) out(`Warning: ${app.providerMissing}`);
    for (const notice of dormantChannels(config)) out(`Warning: ${dormantLine(notice)}`);
  };
  try {
    await app.start(announce);
  } catch (error) {
    process.stderr.write(`Parley could not start: ${(error as Error).message}\n`);
    await app.stop().catch(() => {});
    return 1;
  }
  await new Promise(() => {});
  return 0;
}

async function configCommand(args: string[], config: ParleyConfig): Promise<number> {
  if (args[0] !== 'validate') return usage(2);
  out('Configuration is valid.');
  out(`  model: ${config.llm.model} at ${config.llm.baseUrl ?? 'https://api.openai.com/v1'}`);
  out(
    `  data: ${config.storage.driver === 'postgres' ? 'postgres (storage.url)' : join(config.dataDir, 'parley.db')}`,
  );
  out(`  web chat: ${config.web.enabled ? `http://${config.web.host}:${config.web.port}` : 'off'}`);
  const channels = enabledModules(config).map((module) => module.id);
  out(`  channels: ${channels.join(', ') || 'none'}`);
  for (const notice of dormantChannels(config)) out(`Warning: ${dormantLine(notice)}`);
  return 0;
}

/** `--role <all|gateway|worker>` (default `all`); undefined when the value is not a role. */
function roleOf(args: string[]): NodeRole | undefined {
  const at = args.indexOf('--role');
  if (at < 0) return 'all';
  const value = args[at + 1] as NodeRole | undefined;
  return value && NODE_ROLES.includes(value) ? value : undefined;
}

async function pairingCommand(args: string[], config: ParleyConfig): Promise<number> {
  const stores = await openStores(config);
  try {
    return await pairing(args, stores.access);
  } finally {
    await stores.close();
  }
}

async function pairing(args: string[], store: AccessStore): Promise<number> {
  const [action, code] = args;
  if (action === 'list') {
    const pending = await store.pending();
    if (pending.length === 0) out('No pending pairing requests.');
    for (const request of pending) {
      out(
        `${request.code}  ${request.channel}:${request.senderId}  ${request.senderName ?? ''}  expires ${new Date(request.expiresAt).toISOString()}`,
      );
    }
    return 0;
  }
  if ((action === 'approve' || action === 'reject') && code) {
    if (action === 'reject') {
      const ok = await store.reject(code);
      out(ok ? `Rejected ${code}.` : `No pending pairing request ${code}.`);
      return ok ? 0 : 1;
    }
    const request = await store.approve(code);
    if (!request) {
      out(`No pending pairing request ${code} (unknown or expired). Run "parley pairing list".`);
      return 1;
    }
    out(
      `Approved ${request.channel}:${request.senderId}${request.senderName ? ` (${request.senderName})` : ''}. They can chat now.`,
    );
    return 0;
  }
  return usage(2);
}

async function sessionsCommand(args: string[], config: ParleyConfig): Promise<number> {
  const stores = await openStores(config);
  try {
    return await sessionsOf(args, stores.sessions);
  } finally {
    await stores.close();
  }
}

async function sessionsOf(args: string[], store: SessionStore): Promise<number> {
  const [action, who, file] = args;
  if (action === 'list') {
    for (const s of await store.list({ limit: 50, offset: 0 })) {
      out(
        `#${s.id}  ${s.key}  ${s.chatType}  ${s.messages} messages${s.endedAt ? '  (ended)' : ''}`,
      );
    }
    return 0;
  }
  const match = who ? /^([a-z]+):(.+)$/.exec(who) : null;
  if ((action === 'export' || action === 'purge') && match) {
    const [, channel, userId] = match as unknown as [string, string, string];
    if (action === 'export') {
      const data = JSON.stringify(await store.exportUser(channel, userId), null, 2);
      if (file) {
        writeFileSync(file, data);
        out(`Exported ${channel}:${userId} to ${file}.`);
      } else out(data);
      return 0;
    }
    const result = await store.purgeUser(channel, userId);
    out(
      `Purged ${result.sessions} sessions, ${result.messages} messages and ${result.inbox} inbox rows of ${channel}:${userId}.`,
    );
    return 0;
  }
  return usage(2);
}

/** `channels login <id> [--phone <number>]`: links an account (stop a running Parley first). */
async function channelsCommand(args: string[], config: ParleyConfig): Promise<number> {
  const [action, channel, flag, phone] = args;
  if (action !== 'login' || !channel) return usage(2);
  if (flag !== undefined && (flag !== '--phone' || !phone || !/^\+?[\d ()-]{6,}$/.test(phone))) {
    process.stderr.write(
      'Expected --phone <number> with the country code, e.g. --phone 4915112345678.\n',
    );
    return 2;
  }
  return runLogin(config, channel, { args: phone ? { phone } : {}, output: process.stdout });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`parley: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
