#!/usr/bin/env node
// Runs the compiled CLI (npm run build first), or the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/parley.js', import.meta.url));
if (existsSync(compiled)) await import(pathToFileURL(compiled).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/parley.ts');
}
