/**
 * An MCP stdio server run inside a sandbox container instead of on the host
 * (`mcp.servers.<name>.sandbox`): one long-lived container per connection, created
 * through the Docker API (dockerode, like the sandbox), its stdin/stdout attached and
 * spoken to as MCP's newline-delimited JSON-RPC (the SDK's ReadBuffer and
 * serializeMessage), stderr handed to `onStderr`.
 *
 * The container gets the sandbox's hardening (read-only root, tmpfs /tmp, no
 * capabilities, no-new-privileges, the seccomp profile, memory and pids limits, the
 * sandbox user) and the network named in config (`none` unless the owner chose one);
 * its environment is built from scratch plus only the variables the server's `env`
 * names. It is removed when the connection closes (and by the engine itself when the
 * server exits: a Parley that died closes stdin, the server ends, AutoRemove cleans up).
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type Docker from 'dockerode';
import type { SandboxConfig } from '../../sandbox/config.js';
import { CONTAINER_ENV, sandboxUser, seccompOption } from '../../sandbox/container-spec.js';
import type { McpSandboxConfig } from './config.js';

/** Label on every MCP server container (`docker ps --filter label=parley.mcp`). */
export const MCP_LABEL = 'parley.mcp';

export interface ContainerServer {
  name: string;
  command: string;
  args: string[];
  /** Variables the config names, already resolved. */
  env: Record<string, string>;
  sandbox: McpSandboxConfig;
}

/** The create options of an MCP server's container. */
export function mcpContainerSpec(
  server: ContainerServer,
  config: SandboxConfig,
): Docker.ContainerCreateOptions {
  const { uid, gid } = sandboxUser(config.user);
  const memory = server.sandbox.memoryMb * 1024 * 1024;
  const env = Object.entries(server.env).map(([key, value]) => `${key}=${value}`);
  return {
    name: `parley-mcp-${server.name}-${randomBytes(4).toString('hex')}`,
    Image: server.sandbox.image ?? config.image,
    Cmd: [server.command, ...server.args],
    Entrypoint: [],
    User: `${uid}:${gid}`,
    WorkingDir: '/tmp',
    Env: [...CONTAINER_ENV, ...env],
    Labels: { [MCP_LABEL]: server.name },
    Tty: false,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: server.sandbox.network === 'none',
    HostConfig: {
      NetworkMode: server.sandbox.network,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${config.tmpfsMb}m` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', ...seccompOption(config.seccompProfile)],
      ...(config.runtime ? { Runtime: config.runtime } : {}),
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(server.sandbox.cpus * 1e9),
      PidsLimit: server.sandbox.pidsLimit,
      Privileged: false,
      AutoRemove: true,
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
    },
  };
}

export class ContainerStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private container: Docker.Container | undefined;
  private stream: NodeJS.ReadWriteStream | undefined;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(
    /** Docker socket (`sandbox.socketPath`; default: the engine's usual one). */
    private readonly socketPath: string | undefined,
    private readonly spec: Docker.ContainerCreateOptions,
    private readonly onStderr: (text: string) => void,
  ) {}

  async start(): Promise<void> {
    // Loaded only for servers that run in a container (dockerode weighs ~25 MB).
    const { default: Dockerode } = await import('dockerode');
    const docker = new Dockerode(this.socketPath ? { socketPath: this.socketPath } : undefined);
    const container = await docker.createContainer(this.spec);
    this.container = container;
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream;
    this.stream = stream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    stdout.on('data', (chunk: Buffer) => this.read(chunk));
    stderr.on('data', (chunk: Buffer) => this.onStderr(chunk.toString()));
    stream.on('error', (error: Error) => this.onerror?.(error));
    stream.on('end', () => void this.close());
    try {
      await container.start();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.stream || this.closed) throw new Error('the MCP server container is not running');
    this.stream.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.end();
    await this.container?.remove({ force: true }).catch(() => {});
    this.buffer.clear();
    this.onclose?.();
  }

  private read(chunk: Buffer): void {
    this.buffer.append(chunk);
    for (;;) {
      try {
        const message = this.buffer.readMessage();
        if (!message) return;
        this.onmessage?.(message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    }
  }
}
