/**
 * The create options of one sandbox container: the hardening every call gets
 * (no network unless the tool opted in, read-only root, tmpfs /tmp, non-root user,
 * no capabilities, no-new-privileges, Parley's seccomp profile, memory/CPU/pids
 * limits, fsize/nofile/nproc ulimits, no logging driver, optional runtime such as
 * runsc) and the one host path it may write, the conversation's workspace at
 * /workspace (plus read-only folders the owner configured, such as a skill's).
 * The environment is built from scratch: nothing of Parley's own reaches it.
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import type { SandboxConfig } from './config.js';
import { type EgressRoute, proxyEnv } from './egress-network.js';
import parleyProfile from './seccomp.json' with { type: 'json' };

export interface ContainerRequest {
  /** argv run in the container (no shell unless the argv starts one). */
  cmd: string[];
  /** Host folder mounted at /workspace. */
  workspace: string;
  /**
   * Further host folders mounted read-only (e.g. a skill's folder at /skill). Only
   * folders the owner configured: never a path a model or a workspace chose.
   */
  readOnlyMounts?: { host: string; container: string }[];
  /** Give this call a network (`sandbox.networkTools`). */
  network?: boolean;
  /** Largest file (bytes) the call may write: the room left in the workspace (quota.ts). */
  fileSizeLimit?: number;
  /** The command runs behind `timeout` (withDeadline): PID 1 becomes docker-init. */
  deadline?: boolean;
}

/** Open files per process inside a container. */
export const NOFILE = 1024;

/** The `seccomp=` security option for `sandbox.seccompProfile` (none: the engine's default). */
export function seccompOption(setting: string): string[] {
  if (setting === 'docker') return [];
  let profile = profiles.get(setting);
  if (!profile) {
    const json = setting === 'parley' ? parleyProfile : JSON.parse(readFileSync(setting, 'utf8'));
    profile = JSON.stringify(json);
    profiles.set(setting, profile);
  }
  return [`seccomp=${profile}`];
}

const profiles = new Map<string, string>();

/**
 * `argv` behind busybox/coreutils `timeout`, so the container ends itself at its
 * deadline even when Parley is gone (its own timer fires first, normally).
 */
export function withDeadline(argv: string[], seconds: number): string[] {
  return ['timeout', '-s', 'KILL', String(Math.ceil(seconds)), ...argv];
}

function ulimits(config: SandboxConfig, request: ContainerRequest) {
  const limits = [{ Name: 'nofile', Soft: NOFILE, Hard: NOFILE }];
  if (request.fileSizeLimit !== undefined) {
    const bytes = Math.max(0, Math.floor(request.fileSizeLimit));
    limits.push({ Name: 'fsize', Soft: bytes, Hard: bytes });
  }
  // RLIMIT_NPROC counts every process of the uid on the host: only for a dedicated uid.
  if (sandboxUser(config.user).uid !== process.getuid?.()) {
    const nproc = config.pidsLimit * (config.concurrency + 1);
    limits.push({ Name: 'nproc', Soft: nproc, Hard: nproc });
  }
  return limits;
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

/**
 * `egress`: where a network call goes (the internal network and its proxy); a call that
 * asks for a network gets none while no egress route is set up.
 */
export function containerSpec(
  config: SandboxConfig,
  request: ContainerRequest,
  labels: Record<string, string>,
  egress?: EgressRoute,
): Docker.ContainerCreateOptions {
  const route = request.network ? egress : undefined;
  const { uid, gid } = sandboxUser(config.user);
  const memory = config.memoryMb * 1024 * 1024;
  return {
    Image: config.image,
    Cmd: request.cmd,
    Entrypoint: [],
    User: `${uid}:${gid}`,
    WorkingDir: '/workspace',
    Env: route ? [...CONTAINER_ENV, ...proxyEnv(route)] : CONTAINER_ENV,
    Labels: labels,
    Tty: false,
    OpenStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: !route,
    HostConfig: {
      NetworkMode: route ? route.network : 'none',
      Binds: [
        `${request.workspace}:/workspace:rw`,
        ...(request.readOnlyMounts ?? []).map((m) => `${m.host}:${m.container}:ro`),
      ],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${config.tmpfsMb}m` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', ...seccompOption(config.seccompProfile)],
      Ulimits: ulimits(config, request),
      ...(config.runtime ? { Runtime: config.runtime } : {}),
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(config.cpus * 1e9),
      PidsLimit: config.pidsLimit,
      // docker-init as PID 1 when the command runs behind `timeout`: busybox's timeout
      // signals its parent, which must not be the namespace's init (immune to it).
      Init: request.deadline === true,
      Privileged: false,
      AutoRemove: false,
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
    },
  };
}
