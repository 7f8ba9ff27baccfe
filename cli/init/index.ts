/**
 * `parley init`: the first-run setup. It asks, checks live and only then writes
 * `parley.yaml`:
 *
 *   provider preset ─► URL, key (or none) ─► model (listed by the provider when it can)
 *   ─► one test completion, its answer shown ─► channels: token, live credential check
 *   (the module's own probe), owner id ─► Docker engine and sandbox image (the exact
 *   command when missing) ─► parley.yaml (validated, 0600 when it holds a secret)
 *   ─► what to run next
 *
 * Every question has a flag, and `--yes` takes the flags and defaults without
 * asking, for scripts:
 *
 *   parley init --yes --provider ollama --model llama3.2 --telegram-token "$T" --telegram-owner 123
 *
 * A key or token already in the environment (OPENAI_API_KEY, TELEGRAM_BOT_TOKEN …)
 * is used for the checks but not copied into the file: Parley reads it from the
 * environment at start. A failed check stops a `--yes` run before anything is
 * written (`--skip-checks` for a machine that is offline).
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { channelModules, sectionPath } from '../channels.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { checkSandbox, listModels, type Provider, probeChannel, testProvider } from './checks.js';
import { isPreset, PRESETS, type PresetId } from './presets.js';
import { InputClosed, Prompter } from './prompt.js';

type Env = Record<string, string | undefined>;

const FLAGS = {
  config: { type: 'string' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'skip-checks': { type: 'boolean' },
  provider: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  model: { type: 'string' },
  'telegram-token': { type: 'string' },
  'telegram-owner': { type: 'string' },
  'discord-token': { type: 'string' },
  'discord-owner': { type: 'string' },
  'slack-bot-token': { type: 'string' },
  'slack-app-token': { type: 'string' },
  'slack-owner': { type: 'string' },
  whatsapp: { type: 'boolean' },
  'whatsapp-owner': { type: 'string' },
  sandbox: { type: 'string' },
  'sandbox-image': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(args: string[]) {
  return parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }).values;
}

/** The token questions of each messenger: config key, env variable, flag, and where to get it. */
const CHANNELS = [
  {
    id: 'telegram',
    label: 'Telegram',
    tokens: [
      {
        key: 'token',
        env: 'TELEGRAM_BOT_TOKEN',
        flag: 'telegram-token',
        ask: 'Bot token from @BotFather (/newbot)',
      },
    ],
    owner: {
      flag: 'telegram-owner',
      ask: 'Your Telegram user id (digits; @userinfobot tells you)',
    },
  },
  {
    id: 'discord',
    label: 'Discord',
    tokens: [
      {
        key: 'token',
        env: 'DISCORD_BOT_TOKEN',
        flag: 'discord-token',
        ask: 'Bot token (Developer Portal → your app → Bot → Reset Token)',
      },
    ],
    owner: {
      flag: 'discord-owner',
      ask: 'Your Discord user id (Developer Mode → right-click yourself → Copy User ID)',
    },
  },
  {
    id: 'slack',
    label: 'Slack',
    tokens: [
      {
        key: 'botToken',
        env: 'SLACK_BOT_TOKEN',
        flag: 'slack-bot-token',
        ask: 'Bot token xoxb-… (OAuth & Permissions)',
      },
      {
        key: 'appToken',
        env: 'SLACK_APP_TOKEN',
        flag: 'slack-app-token',
        ask: 'App token xapp-… for Socket Mode (Basic Information → App-Level Tokens)',
      },
    ],
    owner: {
      flag: 'slack-owner',
      ask: 'Your Slack member id (profile → ⋮ → Copy member ID, e.g. U0123ABCD)',
    },
  },
] as const;

interface Draft {
  llm: Record<string, unknown>;
  owners: string[];
  channels: Record<string, Record<string, unknown>>;
  sandbox: Record<string, unknown>;
  secrets: boolean;
}

class Abort extends Error {}

const HELP = `Usage: parley init [flags]   (asks for everything not given; --yes asks nothing)
  --config <file>          where to write (default: PARLEY_CONFIG or parley.yaml)
  --force                  replace an existing file
  --yes, -y                no questions: flags, environment and defaults only
  --skip-checks            no live calls (provider, tokens, Docker)
  --provider <id>          ${Object.keys(PRESETS).join(' | ')}
  --base-url <url>         the server's OpenAI-compatible URL (implies custom)
  --api-key <key>          written to the file; OPENAI_API_KEY in the environment is used but not copied
  --model <name>
  --telegram-token <t> --telegram-owner <user id>
  --discord-token <t> --discord-owner <user id>
  --slack-bot-token <xoxb-…> --slack-app-token <xapp-…> --slack-owner <member id>
  --whatsapp --whatsapp-owner <number>
  --sandbox on|off --sandbox-image <image>
`;

export async function initCommand(args: string[], env: Env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    process.stderr.write(`parley init: ${(error as Error).message}\n`);
    return 2;
  }
  const ui = new Prompter(process.stdin, process.stdout);
  try {
    return await runInit(flags, env, ui);
  } catch (error) {
    if (error instanceof Abort || error instanceof InputClosed) {
      process.stderr.write(`parley init: ${error.message}. Nothing was written.\n`);
      return 1;
    }
    throw error;
  } finally {
    ui.close();
  }
}

async function runInit(flags: Flags, env: Env, ui: Prompter): Promise<number> {
  const path = flags.config ?? env.PARLEY_CONFIG ?? 'parley.yaml';
  const asking = !flags.yes;
  if (flags.sandbox !== undefined && flags.sandbox !== 'on' && flags.sandbox !== 'off')
    throw new Abort(`--sandbox takes on or off, not "${flags.sandbox}"`);
  ui.say(
    'Parley setup: an AI provider, the messengers you want, the sandbox. Enter keeps [the default].',
  );
  if (existsSync(path) && !flags.force) {
    if (!asking) throw new Abort(`${path} exists; pass --force to replace it`);
    if (!(await ui.confirm(`${path} exists. Replace it?`, false)))
      throw new Abort('kept the existing file');
  }
  const draft: Draft = { llm: {}, owners: [], channels: {}, sandbox: {}, secrets: false };
  const provider = await chooseProvider(flags, env, ui, draft);
  if (!flags['skip-checks']) await checkProvider(provider, flags, env, ui, draft);
  await chooseChannels(flags, env, ui, draft);
  await chooseSandbox(flags, ui, draft);
  write(path, draft, env);
  ui.say();
  ui.say(`Wrote ${path}${draft.secrets ? ' (readable only by you: it holds a secret)' : ''}.`);
  ui.say('Next:');
  ui.say('  npm start                       start Parley; it prints the web chat link');
  ui.say('  npm run parley -- doctor        check everything again at any time');
  if (draft.channels.whatsapp)
    ui.say('  npm run parley -- channels login whatsapp   link WhatsApp (stop Parley first)');
  return 0;
}

async function chooseProvider(
  flags: Flags,
  env: Env,
  ui: Prompter,
  draft: Draft,
): Promise<Provider> {
  const given = flags.provider ?? (flags['base-url'] ? 'custom' : undefined);
  if (given !== undefined && !isPreset(given))
    throw new Abort(`unknown --provider "${given}"; use one of ${Object.keys(PRESETS).join(', ')}`);
  const id: PresetId =
    given ??
    (flags.yes
      ? 'openai'
      : await ui.choose(
          'Which AI provider?',
          Object.entries(PRESETS).map(([value, preset]) => ({
            value: value as PresetId,
            label: preset.label,
          })),
          'openai',
        ));
  const preset = PRESETS[id];
  if (!flags.yes && !given) ui.say(`  ${preset.hint}.`);
  let baseUrl = flags['base-url'] ?? preset.baseUrl;
  if (!flags.yes && !flags['base-url'] && id !== 'openai' && id !== 'openrouter')
    baseUrl = await ui.ask('Server URL', baseUrl);
  if (!/^https?:\/\/\S+$/.test(baseUrl)) throw new Abort(`"${baseUrl}" is not an http(s) URL`);
  const apiKey = await chooseKey(preset.key, flags, env, ui, draft);
  let model = flags.model ?? '';
  if (!model) {
    const listed = flags['skip-checks'] ? [] : await listModels({ baseUrl, apiKey });
    const suggestion =
      listed.includes(preset.model) || listed.length === 0 ? preset.model : listed[0]!;
    if (listed.length && !flags.yes)
      ui.say(
        `  The server offers: ${listed.slice(0, 12).join(', ')}${listed.length > 12 ? ', …' : ''}`,
      );
    model = flags.yes ? suggestion : await ui.ask('Model', suggestion);
  }
  if (!model) throw new Abort('no model chosen (pass --model)');
  draft.llm = { ...(id === 'openai' ? {} : { baseUrl }), model, ...draft.llm };
  return { baseUrl, apiKey, model };
}

/** The key for the checks; it goes into the file only when typed or passed as a flag. */
async function chooseKey(
  need: 'required' | 'optional' | 'none',
  flags: Flags,
  env: Env,
  ui: Prompter,
  draft: Draft,
): Promise<string | undefined> {
  if (need === 'none') return undefined;
  let key = flags['api-key'];
  if (!key && env.OPENAI_API_KEY) {
    if (
      flags.yes ||
      (await ui.confirm('Use the key in OPENAI_API_KEY (not copied into the file)?', true))
    )
      return env.OPENAI_API_KEY;
  }
  if (!key && !flags.yes)
    key = await ui.secret(
      need === 'required'
        ? 'API key (not shown)'
        : 'API key, if the server needs one (Enter for none)',
    );
  if (!key && need === 'required')
    throw new Abort('this provider needs an API key (pass --api-key or set OPENAI_API_KEY)');
  if (key) {
    draft.llm.apiKey = key;
    draft.secrets = true;
  }
  return key || undefined;
}

async function checkProvider(
  provider: Provider,
  flags: Flags,
  env: Env,
  ui: Prompter,
  draft: Draft,
) {
  for (;;) {
    ui.say(`Asking ${provider.model} at ${provider.baseUrl} for a first answer …`);
    const result = await testProvider(provider);
    if (result.ok) {
      ui.say(`  ✓ ${provider.model} answered in ${result.ms} ms: "${result.answer}"`);
      return;
    }
    ui.say(`  ✗ ${result.error}`);
    ui.say(`    fix: ${result.fix}`);
    if (flags.yes) throw new Abort('the provider check failed (fix it, or pass --skip-checks)');
    if (!(await ui.confirm('Change the provider settings and try again?', true))) {
      if (await ui.confirm('Keep these settings anyway?', false)) return;
      throw new Abort('stopped after the provider check');
    }
    draft.llm = {};
    draft.secrets = false;
    Object.assign(
      provider,
      await chooseProvider(
        { ...flags, provider: undefined, model: undefined, 'base-url': undefined },
        env,
        ui,
        draft,
      ),
    );
  }
}

async function chooseChannels(flags: Flags, env: Env, ui: Prompter, draft: Draft) {
  ui.say('The web chat and this terminal always work. Messengers:');
  for (const channel of CHANNELS) {
    const flagged = channel.tokens.some((t) => flags[t.flag]);
    const inEnv = channel.tokens.every((t) => env[t.env]);
    const wanted = flags.yes
      ? flagged || inEnv
      : flagged ||
        (await ui.confirm(
          `Connect ${channel.label}?${inEnv ? ' (a token is in the environment)' : ''}`,
          inEnv,
        ));
    if (!wanted) continue;
    await setUpChannel(channel, flags, env, ui, draft);
  }
  const whatsapp =
    flags.whatsapp ??
    (flags.yes ? false : await ui.confirm('Connect WhatsApp (linked device)?', false));
  if (whatsapp) {
    draft.channels.whatsapp = { enabled: true };
    ui.say(
      '  WhatsApp is linked after setup with `npm run parley -- channels login whatsapp` (QR code).',
    );
    const owner =
      flags['whatsapp-owner'] ??
      (flags.yes
        ? ''
        : await ui.ask('Your WhatsApp number with country code, digits only (Enter to skip)'));
    if (owner) draft.owners.push(`whatsapp:${owner.replace(/\D/g, '')}`);
  }
}

async function setUpChannel(
  channel: (typeof CHANNELS)[number],
  flags: Flags,
  env: Env,
  ui: Prompter,
  draft: Draft,
) {
  const module = channelModules.find((m) => m.id === channel.id)!;
  const path = sectionPath(module);
  for (;;) {
    const section: Record<string, unknown> = { enabled: true };
    const probed: Record<string, unknown> = { enabled: true };
    for (const token of channel.tokens) {
      let value = flags[token.flag];
      if (
        !value &&
        env[token.env] &&
        (flags.yes || (await ui.confirm(`  Use ${token.env} from the environment?`, true)))
      ) {
        probed[token.key] = env[token.env];
        continue;
      }
      if (!value && !flags.yes) value = await ui.secret(`  ${token.ask} (not shown)`);
      if (!value) throw new Abort(`${channel.label} needs ${token.env} (or --${token.flag})`);
      section[token.key] = value;
      probed[token.key] = value;
      draft.secrets = true;
    }
    if (flags['skip-checks']) {
      draft.channels[channel.id] = section;
      break;
    }
    ui.say(`  Checking the ${channel.label} credentials …`);
    const result = await probeChannel(module, path, probed, env);
    if (result.ok) {
      ui.say(`  ✓ ${channel.label}: ${result.detail}`);
      draft.channels[channel.id] = section;
      break;
    }
    ui.say(`  ✗ ${channel.label}: ${result.detail}`);
    if (result.fix) ui.say(`    fix: ${result.fix}`);
    if (flags.yes) throw new Abort(`the ${channel.label} credentials were refused`);
    if (!(await ui.confirm(`  Enter the ${channel.label} token again?`, true))) {
      ui.say(`  ${channel.label} left out.`);
      return;
    }
    for (const token of channel.tokens) delete (flags as Record<string, unknown>)[token.flag];
  }
  const owner =
    flags[channel.owner.flag] ??
    (flags.yes
      ? ''
      : await ui.ask(`  ${channel.owner.ask}, so Parley knows you as its owner (Enter to skip)`));
  if (owner) draft.owners.push(`${channel.id}:${owner.trim()}`);
}

async function chooseSandbox(flags: Flags, ui: Prompter, draft: Draft) {
  const image = flags['sandbox-image'] ?? 'python:3.12-slim';
  if (flags.sandbox === 'off') {
    draft.sandbox = { enabled: false };
    return;
  }
  if (flags['sandbox-image']) draft.sandbox.image = image;
  if (flags['skip-checks']) return;
  ui.say('Checking Docker for the sandbox (shell and code tools run in throwaway containers) …');
  const result = await checkSandbox(image, undefined);
  if (result.ok) {
    ui.say(`  ✓ ${result.detail}`);
    return;
  }
  ui.say(`  ✗ ${result.detail}`);
  ui.say(`    run: ${result.fix}`);
  const keep =
    flags.sandbox === 'on' ||
    (!flags.yes &&
      (await ui.confirm('Keep the sandbox on (it starts working once that is done)?', true)));
  if (!keep) {
    draft.sandbox = { enabled: false };
    ui.say('  Sandbox off: set sandbox.enabled: true in parley.yaml later.');
  }
}

/** Validates the draft as Parley will load it (with this environment), then writes it. */
function write(path: string, draft: Draft, env: Env) {
  const config: Record<string, unknown> = { llm: draft.llm };
  if (draft.owners.length) config.access = { owners: draft.owners };
  if (Object.keys(draft.channels).length) config.channels = draft.channels;
  if (Object.keys(draft.sandbox).length) config.sandbox = draft.sandbox;
  const header = [
    `# Written by "parley init" on ${new Date().toISOString().slice(0, 10)}.`,
    '# Every key with its default and environment variable: docs/configuration.md',
    '',
  ].join('\n');
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, header + YAML.stringify(config), {
    mode: draft.secrets ? 0o600 : 0o644,
  });
  try {
    loadConfig({ path: temporary, env, required: true });
  } catch (error) {
    rmSync(temporary, { force: true });
    if (error instanceof ConfigError) throw new Abort(error.message);
    throw error;
  }
  renameSync(temporary, path);
}
