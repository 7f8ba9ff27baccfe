/**
 * The create options of one sandbox container: the hardening every call gets
 * (no network unless the tool opted in, read-only root, tmpfs /tmp, non-root user,
 * no capabilities, no-new-privileges, memory/CPU/pids limits, no logging driver)
 * and the one host path it sees, the conversation's workspace at /workspace.
 * The environment is built from scratch: nothing of Parley's own reaches it.
 */
import type Docker from 'dockerode';
import type { SandboxConfig } from './config.js';

export interface ContainerRequest {
  /** argv run in the container (no shell unless the argv starts one). */
  cmd: string[];
  /** Host folder mounted at /workspace. */
  workspace: string;
  /** Give this call a network (`sandbox.networkTools`). */
  network?: boolean;
}

/** The only environment a container gets. */
export const CONTAINER_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/tmp',
  'LANG=C.UTF-8',
  'PYTHONDONTWRITEBYTECODE=1',
];

/** `uid:gid` the containers run as; `auto` = nobody when Parley is root, else Parley's own ids. */
export function sandboxUser(setting: string): { uid: number; gid: number } {
  if (setting !== 'auto') {
    const [uid, gid] = setting.split(':').map(Number);
    return { uid: uid!, gid: gid ?? uid! };
  }
  const uid = process.getuid?.() ?? 65534;
  if (uid === 0) return { uid: 65534, gid: 65534 };
  return { uid, gid: process.getgid?.() ?? uid };
}

export function containerSpec(
  config: SandboxConfig,
  request: ContainerRequest,
  labels: Record<string, string>,
): Docker.ContainerCreateOptions {
  const { uid, gid } = sandboxUser(config.user);
  const memory = config.memoryMb * 1024 * 1024;
  return {
    Image: config.image,
    Cmd: request.cmd,
    Entrypoint: [],
    User: `${uid}:${gid}`,
    WorkingDir: '/workspace',
    Env: CONTAINER_ENV,
    Labels: labels,
    Tty: false,
    OpenStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: !request.network,
    HostConfig: {
      NetworkMode: request.network ? config.networkMode : 'none',
      Binds: [`${request.workspace}:/workspace:rw`],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${config.tmpfsMb}m` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(config.cpus * 1e9),
      PidsLimit: config.pidsLimit,
      Init: false,
      Privileged: false,
      AutoRemove: false,
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
    },
  };
}
