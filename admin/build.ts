/**
 * Build step of `npm run build` (run as `node dist/admin/build.js` after tsc):
 * bundles the admin page's script from `admin/ui/main.ts` into
 * `dist/admin/ui/admin.js`, where the compiled admin/assets.ts serves it from.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleAdminScript } from './assets.js';

const here = new URL('.', import.meta.url);
// Compiled to dist/admin/build.js; the sources stay at admin/ui/.
const entry = fileURLToPath(new URL('../../admin/ui/main.ts', here));
const output = new URL('./ui/admin.js', here);

await mkdir(new URL('./ui/', here), { recursive: true });
await writeFile(output, await bundleAdminScript(entry));
console.log(`admin script bundled into ${fileURLToPath(output)}`);
