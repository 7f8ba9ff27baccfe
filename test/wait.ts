/**
 * The one polling wait the tests and benches share: checks `condition` every
 * `intervalMs` until it holds, and fails with `<what> timed out` after `timeoutMs`.
 */

export interface UntilOptions {
  intervalMs?: number;
  /** Names what was awaited in the timeout error. */
  what?: string;
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  { intervalMs = 5, what = 'condition' }: UntilOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
