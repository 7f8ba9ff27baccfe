/**
 * Entry point kept for imports of `sessions/workspace.js` (channel call sites);
 * the module lives in `sessions/workspace/`.
 */
export * from './workspace/index.js';
