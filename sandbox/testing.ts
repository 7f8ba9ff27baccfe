/**
 * Test helpers for the sandbox: the busybox test image (built by .ci/docker.sh)
 * and the skip decision. Without Docker the sandbox tests skip with a printed
 * reason; with CI=true a missing engine or image fails them instead.
 */
import Docker from 'dockerode';
import { type SandboxConfig, sandboxSchema } from './config.js';
import { currentOwner, INSTANCE_LABEL, LABEL, OWNER_LABEL } from './orphans.js';

export const TEST_IMAGE = 'parley-sandbox-test';

/** Why the Docker tests cannot run here, or undefined when they can. */
export async function dockerSkipReason(): Promise<string | undefined> {
  const docker = new Docker();
  let reason: string | undefined;
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (error) {
    reason = `Docker or the image ${TEST_IMAGE} is unavailable (${(error as Error).message}); run \`bash .ci/docker.sh\``;
  }
  if (reason && process.env.CI === 'true') throw new Error(`CI=true, cannot skip: ${reason}`);
  if (reason) console.warn(`skipping Docker sandbox tests: ${reason}`);
  return reason;
}

/** A sandbox config on the test image with short limits. */
export function testSandboxConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return sandboxSchema.parse({ image: TEST_IMAGE, timeoutSeconds: 10, ...overrides });
}

/** Ids of containers with Parley's label: one sandbox instance's, or this process's. */
export async function labelledContainers(instance?: string): Promise<string[]> {
  const label = [`${LABEL}=1`];
  if (instance) label.push(`${INSTANCE_LABEL}=${instance}`);
  else label.push(`${OWNER_LABEL}=${currentOwner('').host}:${process.pid}`);
  const list = await new Docker().listContainers({ all: true, filters: { label } });
  return list.map((info) => info.Id);
}
