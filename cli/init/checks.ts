/**
 * The live checks `parley init` runs before it writes anything: one completion
 * from the chosen provider (its answer is shown), the model list when the
 * provider offers one, each channel's own credential probe (Telegram getMe, Slack
 * auth.test, Discord /users/@me: the modules' `probe`), and the Docker engine and
 * sandbox image. Each failure comes back with what to do about it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { providerFix } from '../../admin/provider.js';
import { llmSchema } from '../../agent/config.js';
import { OpenAIChatModel } from '../../agent/llm.js';
import type { ChannelModule, ProbeResult } from '../../core/module.js';
import { sandboxSchema } from '../../sandbox/config.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { configFields } from '../config/fields.js';

export interface Provider {
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
}

export type ProviderTest =
  | { ok: true; answer: string; ms: number }
  | { ok: false; error: string; fix: string };

const TEST_PROMPT = 'Say hello to a new Parley user in one short sentence.';

/** One short completion; its answer, or the provider's complaint in words with the fix. */
export async function testProvider(provider: Provider, timeoutMs = 20_000): Promise<ProviderTest> {
  const model = new OpenAIChatModel(
    llmSchema.parse({ ...provider, maxRetries: 0, timeoutMs, stream: false }),
  );
  const started = Date.now();
  try {
    const completion = await model.complete({
      messages: [{ role: 'user', content: TEST_PROMPT }],
      tools: [],
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { ok: true, answer: (completion.content ?? '').trim(), ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ...providerFix(error, provider.model) };
  }
}

/** The provider's model ids (empty when it does not list them or is unreachable). */
export async function listModels(
  provider: Omit<Provider, 'model'>,
  timeoutMs = 5_000,
): Promise<string[]> {
  const model = new OpenAIChatModel(
    llmSchema.parse({ ...provider, model: 'list', maxRetries: 0, timeoutMs }),
  );
  try {
    return await model.listModels();
  } catch {
    return [];
  }
}

/**
 * Runs a channel module's probe on `section` plus the non-secret keys set in the
 * environment (e.g. `TELEGRAM_API_ROOT`), as the config loader would apply them.
 */
export async function probeChannel(
  module: ChannelModule,
  path: string,
  section: Record<string, unknown>,
  env: Record<string, string | undefined>,
  timeoutMs = 10_000,
): Promise<ProbeResult> {
  const fromEnv: Record<string, unknown> = {};
  for (const field of configFields(module.config, path)) {
    const value = field.env ? env[field.env] : undefined;
    const name = field.key.slice(path.length + 1);
    if (value && !field.secret && !name.includes('.')) fromEnv[name] = value;
  }
  const parsed = module.config.safeParse({ ...section, ...fromEnv, enabled: true });
  if (!parsed.success)
    return { ok: false, detail: parsed.error.issues.map((i) => i.message).join('; ') };
  // Token probes never read stored auth state; a throwaway database stands in for the real one.
  const dir = mkdtempSync(join(tmpdir(), 'parley-init-'));
  const stores = openSqliteStores(join(dir, 'probe.db'));
  try {
    return await module.probe!(parsed.data, { signal: AbortSignal.timeout(timeoutMs), stores });
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SandboxCheck =
  | { ok: true; detail: string }
  | { ok: false; engine: boolean; detail: string; fix: string };

/** Is the engine reachable and the image present? The fix is the exact command to run. */
export async function checkSandbox(
  image: string,
  socketPath: string | undefined,
  timeoutMs = 5_000,
): Promise<SandboxCheck> {
  const docker = new Docker(socketPath ? { socketPath } : undefined);
  const within = <T>(promise: Promise<T>) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
  try {
    await within(docker.ping());
  } catch (error) {
    return {
      ok: false,
      engine: false,
      detail: `the Docker engine is not reachable at ${socketPath ?? '/var/run/docker.sock'} (${(error as Error).message})`,
      fix: 'sudo apt-get install docker.io && sudo systemctl start docker && sudo usermod -aG docker $USER   (then log in again)',
    };
  }
  try {
    await within(docker.getImage(image).inspect());
    return { ok: true, detail: `Docker is reachable and the sandbox image ${image} is present` };
  } catch {
    return {
      ok: false,
      engine: true,
      detail: `the sandbox image ${image} is not present (Parley never pulls it itself)`,
      fix: buildCommand(image),
    };
  }
}

/** The command that makes `image` available. */
export function buildCommand(image: string): string {
  const fallback = sandboxSchema.parse({}).image;
  return image === fallback || /^[\w.-]+(\/[\w.-]+)*:[\w.-]+$/.test(image)
    ? `docker pull ${image}`
    : `docker build -t ${image} <folder with your Dockerfile>`;
}
