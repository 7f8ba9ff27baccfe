import { DockerSandbox } from './docker-sandbox.js';
import { sandboxSchema } from '../cli/config/sandbox.js';
import { mkdtempSync } from 'node:fs';
const s = new DockerSandbox(sandboxSchema.parse({ image: 'parley-sandbox-test', concurrency: 8 }));
const ws = mkdtempSync('/tmp/ws-');
const d = s.docker;
const t0 = performance.now();
const phases: Record<string, number[]> = {};
const orig = { create: d.createContainer.bind(d) };
await Promise.all(Array.from({ length: 16 }, async (_, i) => {
  const t = performance.now();
  const r = await s.run({ cmd: ['sh', '-c', 'echo hi'], workspace: ws });
  console.log(i, Math.round(performance.now() - t), r.durationMs);
}));
console.log('total', Math.round(performance.now() - t0));
