/**
 * Config section of the Docker sandbox that runs dangerous tools (shell, run_code)
 * in one fresh container per call. Every limit has a safe default: no network,
 * read-only root, non-root user, small memory/pids/CPU, short timeout.
 */
import { z } from 'zod';

export const sandboxSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Offer sandboxed tools (shell, run_code, files) when Docker is reachable.'),
    image: z
      .string()
      .min(1)
      .default('python:3.12-slim')
      .describe(
        'Image every sandbox container starts from (must exist locally; Parley never pulls). Build or pull it yourself, e.g. `docker pull python:3.12-slim`.',
      ),
    socketPath: z
      .string()
      .optional()
      .describe('Docker engine socket; default /var/run/docker.sock (or DOCKER_HOST).'),
    memoryMb: z
      .number()
      .int()
      .min(16)
      .default(256)
      .describe('Memory limit per container (no swap); exceeding it kills the call.'),
    cpus: z.number().min(0.01).default(1).describe('CPU limit per container (in cores).'),
    pidsLimit: z
      .number()
      .int()
      .min(8)
      .default(64)
      .describe('Maximum processes per container (stops fork bombs).'),
    timeoutSeconds: z
      .number()
      .min(0.5)
      .default(30)
      .describe('Default and maximum run time of one call; the container is killed after it.'),
    outputLimitChars: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('stdout and stderr are each cut at this many characters (with a marker).'),
    tmpfsMb: z.number().int().min(1).default(64).describe('Size of the writable tmpfs at /tmp.'),
    user: z
      .string()
      .regex(/^(auto|\d+(:\d+)?)$/, 'expected "auto" or "uid:gid"')
      .default('auto')
      .describe(
        'User inside containers as "uid:gid"; auto = 65534:65534 (nobody) when Parley runs as root (the workspace is chowned to it), else Parley\'s own uid:gid.',
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(4)
      .describe('Containers running at once; further calls wait in a queue.'),
    networkTools: z
      .array(z.string())
      .default([])
      .describe(
        'Tools whose containers get a network (default: none has one), e.g. [shell]: only through the egress proxy (sandbox.egress).',
      ),
    egress: z
      .object({
        allowHosts: z
          .array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+$/, 'a host name, or *.domain'))
          .default([])
          .describe(
            'Hosts the networkTools may reach through the egress proxy, e.g. [pypi.org, "*.github.com"]; everything else is refused.',
          ),
        allowAddresses: z
          .array(z.string())
          .default([])
          .describe(
            'Internal addresses or CIDRs the proxy lets through anyway (an intranet mirror); loopback, private, link-local and metadata addresses are refused otherwise.',
          ),
        network: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
          .default('parley-egress')
          .describe(
            'Internal Docker network (no route out) that containers of networkTools join; created when missing.',
          ),
      })
      .strict()
      .prefault({})
      .describe(
        'The network of networkTools: an internal network whose only way out is an HTTP(S) proxy on the host with a host allowlist.',
      ),
    languages: z
      .array(z.enum(['python', 'node', 'sh']))
      .optional()
      .describe('Languages run_code offers; detected in the image at startup when unset.'),
    warmPool: z
      .boolean()
      .default(false)
      .describe(
        'Keep one started container per workspace ready for the next call (each still used once); saves ~300 ms per call.',
      ),
    warmIdleSeconds: z
      .number()
      .min(1)
      .default(60)
      .describe('An unused warm container is removed after this long.'),
    workspaceMaxMb: z
      .number()
      .int()
      .min(1)
      .default(1024)
      .describe(
        'Disk quota of one conversation workspace (MB); no file may grow past the room left, and a full workspace is reported to the model.',
      ),
    workspaceMaxFiles: z
      .number()
      .int()
      .min(10)
      .default(20_000)
      .describe('Most files and folders one conversation workspace may hold.'),
    minFreeDiskMb: z
      .number()
      .int()
      .min(0)
      .default(512)
      .describe(
        "Free space kept on the data folder's disk: a running call is killed when the disk gets below it.",
      ),
    conversationConcurrency: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe(
        'Containers one conversation may run at once (of `concurrency` in total); waiting conversations take turns.',
      ),
    seccompProfile: z
      .string()
      .min(1)
      .default('parley')
      .describe(
        "Seccomp profile: parley = Docker's default without io_uring (shipped in sandbox/seccomp.json), docker = the engine's default, or a path to a JSON profile.",
      ),
    runtime: z
      .string()
      .min(1)
      .optional()
      .describe(
        'OCI runtime for sandbox containers, e.g. runsc (gVisor); the engine default when unset.',
      ),
    commands: z
      .object({
        allow: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Programs a `shell` call may run without asking when every program it runs is listed (e.g. [ls, cat, grep]); inline code needs its own entry, e.g. "python3 -c".',
          ),
        deny: z
          .array(z.string().min(1))
          .default([])
          .describe('Programs a `shell` call may never run, wherever they appear in the line.'),
      })
      .strict()
      .prefault({})
      .describe('Command-level policy of the shell tool, by parsed program name.'),
    cleanupIntervalSeconds: z
      .number()
      .min(1)
      .default(60)
      .describe(
        'How often containers left behind (e.g. after a crash) are looked for and removed.',
      ),
  })
  .strict()
  .prefault({});

export type SandboxConfig = z.infer<typeof sandboxSchema>;
