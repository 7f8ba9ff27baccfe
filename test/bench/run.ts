/**
 * `npm run bench`: runs every `*.bench.js` beside this file (compiled by
 * `npm run build`) and prints one JSON object `{ <name>: figures }` on stdout.
 * `npm run bench -- core telegram` runs only the named benches.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => only.length === 0 || only.includes(file.replace('.bench.js', '')))
  .sort();

const results: Record<string, unknown> = {};
for (const file of files) {
  const name = file.replace('.bench.js', '');
  process.stderr.write(`bench ${name}…\n`);
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as {
      default: () => Promise<Record<string, unknown>>;
    };
    results[name] = await module.default();
  } catch (error) {
    results[name] = { error: (error as Error).message };
  }
  process.stderr.write(`${JSON.stringify({ [name]: results[name] })}\n`);
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
