/**
 * Startup checks of the sandbox: is the Docker engine reachable, does the image
 * exist locally (Parley never pulls), and which languages does it provide for
 * run_code (python3, node, sh: detected by running `command -v` in a container).
 * The same run looks for `timeout`: when present, every command runs behind it
 * so a container ends itself at its deadline (`DockerSandbox.deadlineInside`).
 * Each failure comes back as a sentence naming what to install or build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerSandbox } from './docker-sandbox.js';

export type Language = 'python' | 'node' | 'sh';

export type Probe = { ok: true; languages: Language[] } | { ok: false; reason: string };

const BINARIES: Record<Language, string> = { python: 'python3', node: 'node', sh: 'sh' };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Why the sandbox cannot run, or the languages it offers. */
export async function probeSandbox(sandbox: DockerSandbox, timeoutMs = 5_000): Promise<Probe> {
  const { image } = sandbox.config;
  try {
    await withTimeout(sandbox.docker.ping(), timeoutMs, 'Docker');
  } catch (error) {
    return {
      ok: false,
      reason: `Docker is not reachable (${(error as Error).message}). Install and start Docker (e.g. \`apt-get install docker.io\`, then \`dockerd\`) or set sandbox.socketPath.`,
    };
  }
  try {
    await withTimeout(sandbox.docker.getImage(image).inspect(), timeoutMs, 'Docker');
  } catch (error) {
    const missing = (error as { statusCode?: number }).statusCode === 404;
    return {
      ok: false,
      reason: missing
        ? `The sandbox image "${image}" is not present. Build or pull it (e.g. \`docker pull ${image}\`), or set sandbox.image.`
        : `Docker failed to inspect image "${image}": ${(error as Error).message}`,
    };
  }
  const detected = await detectLanguages(sandbox);
  return { ok: true, languages: sandbox.config.languages ?? detected };
}

/**
 * Languages whose interpreter exists in the image (empty when even `sh` is
 * missing); sets `sandbox.deadlineInside` when the image has `timeout`.
 */
export async function detectLanguages(sandbox: DockerSandbox): Promise<Language[]> {
  const workspace = mkdtempSync(join(tmpdir(), 'parley-probe-'));
  const names = [...Object.values(BINARIES), 'timeout'].join(' ');
  try {
    const result = await sandbox.run({
      cmd: ['sh', '-c', `for c in ${names}; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done`],
      workspace,
      timeoutMs: 15_000,
    });
    const found = new Set(result.stdout.split('\n').map((line) => line.trim()));
    sandbox.deadlineInside = found.has('timeout');
    return (Object.keys(BINARIES) as Language[]).filter((lang) => found.has(BINARIES[lang]));
  } catch {
    return []; // no sh in the image: the container cannot even start
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
