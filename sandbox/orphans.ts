/**
 * Labels on every sandbox container and the cleanup of containers left behind.
 *
 * Each container carries `parley.sandbox=1` plus its owner (`host:pid` of the Parley
 * process), the owner's instance id and a deadline (creation + timeout + grace).
 * A container is an orphan when its owner process is gone (same host, pid dead) or
 * when its deadline has passed (whoever owns it should have removed it by then).
 * Containers of live Parley processes (e.g. tests running in parallel on one
 * engine) are left alone. Parley runs the cleanup at startup and periodically.
 */
import { hostname } from 'node:os';
import type Docker from 'dockerode';

export const LABEL = 'parley.sandbox';
export const OWNER_LABEL = 'parley.owner';
export const INSTANCE_LABEL = 'parley.instance';
export const DEADLINE_LABEL = 'parley.deadline';
/** Extra time after its timeout before a container counts as left behind. */
export const GRACE_MS = 60_000;

export interface Owner {
  host: string;
  pid: number;
  instance: string;
}

export function currentOwner(instance: string): Owner {
  return { host: hostname(), pid: process.pid, instance };
}

/** The labels of a container created by `owner` that must be gone by `deadline`. */
export function containerLabels(owner: Owner, deadline: number): Record<string, string> {
  return {
    [LABEL]: '1',
    [OWNER_LABEL]: `${owner.host}:${owner.pid}`,
    [INSTANCE_LABEL]: owner.instance,
    [DEADLINE_LABEL]: String(deadline),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a container with these labels was left behind, seen from `self` at `now`. */
export function isOrphan(
  labels: Record<string, string>,
  self: Owner,
  now = Date.now(),
  alive: (pid: number) => boolean = processAlive,
): boolean {
  const deadline = Number(labels[DEADLINE_LABEL]);
  if (!Number.isFinite(deadline) || now > deadline) return true;
  if (labels[INSTANCE_LABEL] === self.instance) return false;
  const owner = labels[OWNER_LABEL] ?? '';
  const cut = owner.lastIndexOf(':');
  const host = owner.slice(0, cut);
  const pid = Number(owner.slice(cut + 1));
  if (host !== self.host || !Number.isInteger(pid)) return false;
  return pid !== self.pid && !alive(pid);
}

/** Lists every container carrying Parley's sandbox label (running or not). */
export async function listSandboxContainers(docker: Docker): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL}=1`] } });
}

/** Removes the orphans among Parley's containers; returns their ids. */
export async function removeOrphans(docker: Docker, self: Owner): Promise<string[]> {
  const removed: string[] = [];
  for (const info of await listSandboxContainers(docker)) {
    if (!isOrphan(info.Labels ?? {}, self)) continue;
    try {
      await docker.getContainer(info.Id).remove({ force: true, v: true });
      removed.push(info.Id);
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw error; // gone, or already being removed
    }
  }
  return removed;
}
