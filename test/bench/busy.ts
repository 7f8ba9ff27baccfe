/**
 * The longest stretch the main thread spent working without a break while an action
 * ran, from V8's sampling profiler (node:inspector, one sample every 100 µs): runs of
 * consecutive samples that are not `(idle)`, in samples × interval. Unlike
 * `monitorEventLoopDelay`, which also counts the time the thread waited for a CPU
 * (another process, another thread of ours, the Docker daemon), this counts only
 * what ran on the event loop itself: JavaScript, native calls and garbage collection.
 */
import { Session } from 'node:inspector/promises';

const INTERVAL_US = 100;

interface Profile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples?: number[];
}

/** Longest busy run of `profile`, in ms. */
export function longestBusyRun(profile: Profile, intervalUs = INTERVAL_US): number {
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  let run = 0;
  let longest = 0;
  for (const sample of profile.samples ?? []) {
    run = idle.has(sample) ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return Math.round((longest * intervalUs) / 100) / 10;
}

/** Runs `action` under the sampling profiler; returns the main thread's longest busy run (ms). */
export async function busyDuring(action: () => Promise<unknown>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await session.post('Profiler.start');
    let failed: unknown;
    await action().catch((error: unknown) => {
      failed = error ?? new Error('action failed');
    });
    const { profile } = await session.post('Profiler.stop');
    if (failed) throw failed;
    return longestBusyRun(profile as Profile);
  } finally {
    session.disconnect();
  }
}
