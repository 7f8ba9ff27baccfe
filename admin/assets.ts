/**
 * The admin page's browser script: TypeScript in `admin/ui/` (typechecked with
 * `tsc -p admin/ui`, linted with the rest), bundled by esbuild into one IIFE served
 * as `/admin/admin.js`.
 *
 * Where the bundle comes from:
 * - built (`npm run build`): `admin/build.ts` bundles once into
 *   `dist/admin/ui/admin.js`, next to the compiled copy of this module, which reads
 *   that file; production never needs esbuild (a dev dependency);
 * - from source (tsx: tests, `npm run parley`): no such file exists, so the first
 *   request bundles `admin/ui/main.ts` in memory with esbuild's API (~50 ms) and the
 *   result is cached for the life of the process.
 * Both paths call {@link bundleAdminScript}, so the options have one home.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const BUILT = new URL('./ui/admin.js', import.meta.url);
const SOURCE = new URL('./ui/main.ts', import.meta.url);

/** Bundles the admin script from `entry` (a `main.ts`) into browser JavaScript. */
export async function bundleAdminScript(entry: string): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    minify: false,
    legalComments: 'none',
    // uPlot's stylesheet is imported as text and added to the page by the script.
    loader: { '.css': 'text' },
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no admin script');
  return file.text;
}

let cached: Promise<string> | undefined;

/** The admin script: the built bundle when present, otherwise bundled now from source (once). */
export function adminScript(): Promise<string> {
  cached ??= readFile(BUILT, 'utf8').catch(() => bundleAdminScript(fileURLToPath(SOURCE)));
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
