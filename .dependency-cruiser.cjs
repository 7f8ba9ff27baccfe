/**
 * The layers of Parley, enforced by `npm run lint` (dependency-cruiser). Each rule
 * names a layer and what it may not import; tests (`*.test.ts`, `test/`) may reach
 * across layers to wire a real app, production code may not.
 *
 *   cli/                     composition root and the `parley` command: imported by nobody
 *   admin/  http/            operator console, the one HTTP server
 *   agent/                   router, model, approvals, access
 *   tools/                   tool registry and tools
 *   bridge/                  inbox → queue → router, outbound wrappers
 *   sandbox/                 Docker workers (workspaces through sessions/workspace)
 *   sessions/                stores
 *   channels/<name>/         one messenger each: core, channels/shared and its own folder only
 *   core/                    the contract: imports nothing of ours
 */
const OURS = '^(core|channels|bridge|agent|tools|sandbox|sessions|cli|http|admin)/';
const TESTS = '(\\.test\\.ts$|^test/)';

/** A rule forbidding `from` to import any of our folders except `allowed` (a regex). */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: TESTS },
    to: { path: OURS, pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    layer('core-imports-nothing', '^core/', '^core/', 'The contract sits at the bottom.'),
    {
      name: 'channel-stays-in-its-folder',
      comment: 'A channel imports the contract, channels/shared and its own folder only.',
      severity: 'error',
      from: { path: '^channels/([^/]+)/', pathNot: TESTS },
      to: { path: OURS, pathNot: ['^core/', '^channels/shared/', '^channels/$1/'] },
    },
    layer(
      'sessions-import-core-only',
      '^sessions/',
      '^(core|sessions)/',
      'Stores know only the contract.',
    ),
    layer(
      'sandbox-below-tools',
      '^sandbox/',
      '^(core|sandbox|sessions)/',
      'The sandbox reaches workspaces only through sessions/workspace.',
    ),
    layer(
      'bridge-below-agent',
      '^bridge/',
      '^(core|bridge|sessions)/',
      'The bridge never imports channels, agent, tools or cli.',
    ),
    layer(
      'tools-below-agent',
      '^tools/',
      '^(core|tools|sandbox|sessions)/',
      'Tools run inside the agent loop but never import it.',
    ),
    layer(
      'agent-never-imports-channels',
      '^agent/',
      '^(core|agent|bridge|tools|sessions|sandbox)/',
      'The router never imports a platform.',
    ),
    layer(
      'http-imports-core-only',
      '^http/',
      '^(core|http)/',
      'The HTTP server is infrastructure.',
    ),
    layer(
      'admin-never-imports-channels',
      '^admin/',
      '^(core|admin|http|agent|bridge|tools|sessions|sandbox)/',
      'The console reads stores and services, never a platform.',
    ),
    {
      name: 'nothing-imports-cli',
      comment: 'cli/ is the composition root: it imports everything and nothing imports it.',
      severity: 'error',
      from: { path: OURS, pathNot: ['^cli/', TESTS] },
      to: { path: '^cli/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means a missing seam.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules/|^dist/|^artifacts/)' },
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
    parser: 'swc',
  },
};
