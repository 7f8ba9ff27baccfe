#!/usr/bin/env node
// `npm start`: compiles only when a source is newer than the last build (about a
// second instead of a full TypeScript build when nothing changed), then runs
// `parley start` in this same process. The script is `exec node bin/start.js`, so
// npm's child is this process (not a shell around it) and the SIGTERM/SIGINT npm
// forwards reaches Parley itself; should npm die without forwarding (kill -9),
// this process notices it was orphaned and shuts down the same way. Either way
// no node is left holding the port.
//
// What counts as a source: the folders tsconfig.build.json includes, the admin
// page's sources, the tsconfig files and package.json/package-lock.json. The last
// successful build leaves dist/.build-stamp, dated when that build started.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');

function newestIn(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's time
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestIn(join(path, entry)));
  }
  return newest;
}

function sourcesChanged() {
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli', 'parley.js'))) return true;
  const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  const files = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
  const newest = Math.max(
    ...[...include, 'admin/ui', ...files].map((p) => newestIn(join(root, p))),
  );
  return newest > statSync(stamp).mtimeMs;
}

if (sourcesChanged()) {
  process.stderr.write('npm start: sources changed since the last build, compiling …\n');
  const started = new Date();
  const npm = process.env.npm_execpath;
  const build = npm
    ? spawnSync(process.execPath, [npm, 'run', '--silent', 'build'], {
        cwd: root,
        stdio: ['ignore', 2, 2],
      })
    : spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) {
    process.stderr.write('npm start: the build failed (see above); Parley was not started.\n');
    process.exit(build.status ?? 1);
  }
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
}

// Orphaned (npm gone without forwarding a signal): stop as on SIGTERM.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 500).unref();

process.argv.splice(2, 0, 'start');
await import(pathToFileURL(join(root, 'dist', 'cli', 'parley.js')).href);
