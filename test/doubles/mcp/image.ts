/**
 * A Docker image holding the stdio MCP double, for the MCP-in-sandbox tests: the
 * double bundled with esbuild into one file, and this host's `node` binary with the
 * libraries it links, on an empty image (no registry needed). Tagged by the bundle's
 * hash, built once per change.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tempDir } from '../../harness.js';

export const MCP_IMAGE = 'parley-mcp-node-test';

/** Builds (or finds) the image; returns its tag, e.g. `parley-mcp-node-test:1a2b3c4d`. */
export async function mcpServerImage(): Promise<string> {
  const dir = tempDir('parley-mcp-image-');
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'srv'), { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('./stdio-server.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(root, 'srv', 'server.mjs'),
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  const tag = `${MCP_IMAGE}:${createHash('sha256')
    .update(readFileSync(join(root, 'srv', 'server.mjs')))
    .digest('hex')
    .slice(0, 12)}`;
  const exists = execFileSync('docker', ['images', '-q', tag]).toString().trim();
  if (exists) return tag;
  const node = execFileSync('which', ['node']).toString().trim();
  for (const file of [node, ...linkedLibraries(node)]) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
  copyFileSync(node, join(root, 'usr', 'local', 'bin', 'node'));
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\n');
  execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: 'pipe' });
  return tag;
}

/** Absolute paths of the shared libraries `binary` loads (from ldd). */
function linkedLibraries(binary: string): string[] {
  return execFileSync('ldd', [binary])
    .toString()
    .split('\n')
    .map((line) => /(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => Boolean(path));
}
