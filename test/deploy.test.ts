/**
 * Deploying for real: the image is built from the Dockerfile (on base images made
 * locally by .ci/deploy-image.sh, nothing pulled) and started with the repository's
 * docker-compose.yml, copied unchanged next to a .env and a parley.yaml, by
 * Debian's `docker-compose`. Then, from the host: `/readyz`, a web chat round trip
 * over the published port (the model is the OpenAI double on the host), and a
 * `shell` call that Parley inside the container runs in a sandbox container
 * through the mounted Docker socket, on the workspace under the shared data path.
 *
 * The static checks at the end read the deploy files as text.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { dockerSkipReason, TEST_IMAGE } from '../sandbox/testing.js';
import { type OpenAIDouble, startOpenAIDouble } from './doubles/openai.js';
import { WebClient } from './harness.js';

const run = promisify(execFile);

function composeSkipReason(): string | undefined {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const reason = 'docker-compose is not installed (apt-get install docker-compose)';
    if (process.env.CI === 'true') throw new Error(`CI=true, cannot skip: ${reason}`);
    console.warn(`skipping the deploy test: ${reason}`);
    return reason;
  }
}

const skip = (await dockerSkipReason()) ?? composeSkipReason();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The last line a script printed (its result). */
async function lastLine(script: string): Promise<string> {
  const { stdout } = await run('bash', [script], { maxBuffer: 16 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}

/** Parley's image, built once for both compose files (cached layers after the first). */
let image: Promise<string> | undefined;
const parleyImage = () => (image ??= lastLine('.ci/deploy-image.sh'));

/** A compose file running in a folder of its own, with the OpenAI double on the host. */
interface ComposeRun {
  url: string;
  llm: OpenAIDouble;
  compose: (...args: string[]) => Promise<{ stdout: string }>;
  down: () => Promise<void>;
}

/**
 * Copies compose file `file` unchanged into a temp folder next to a .env (`env` plus
 * what every run needs), a parley.yaml and a ci.yml, and runs `up -d --no-build`.
 * ci.yml holds what differs on this machine: `services(hostEntry)` (e.g. local
 * images) and, because the engine runs without a default bridge (so `host-gateway`
 * has no address), a fixed subnet whose gateway is the host.
 */
async function startCompose(options: {
  file: string;
  subnet: string;
  token: string;
  env: string[];
  parley: Record<string, unknown>;
  services: (toHost: { extra_hosts: string[] }) => Record<string, unknown>;
  up?: string[];
}): Promise<ComposeRun> {
  const { file, subnet } = options;
  // Containers reach the double through the bridge's gateway, hence 0.0.0.0.
  const llm = await startOpenAIDouble({ host: '0.0.0.0' });
  const dir = mkdtempSync('/tmp/parley-compose-');
  const data = join(dir, 'data');
  mkdirSync(data);
  chownSync(data, 1000, 1000); // the image runs as user node (1000)
  const port = await freePort();
  copyFileSync(file, join(dir, file));
  writeFileSync(
    join(dir, '.env'),
    [
      `PARLEY_IMAGE=${await parleyImage()}`,
      `PARLEY_DATA=${data}`,
      `PARLEY_PORT=${port}`,
      `DOCKER_GID=${statSync('/var/run/docker.sock').gid}`,
      `PARLEY_WEB_TOKEN=${options.token}`,
      `OPENAI_BASE_URL=http://host.docker.internal:${new URL(llm.baseUrl).port}/v1`,
      ...options.env,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'parley.yaml'), YAML.stringify(options.parley));
  writeFileSync(
    join(dir, 'ci.yml'),
    YAML.stringify({
      services: options.services({ extra_hosts: [`host.docker.internal:${subnet}.1`] }),
      networks: { default: { ipam: { config: [{ subnet: `${subnet}.0/24` }] } } },
    }),
  );
  const project = `parley-${file.replace(/\W/g, '-')}-${process.pid}`;
  const compose = (...args: string[]) =>
    run('docker-compose', ['-p', project, '-f', file, '-f', 'ci.yml', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      maxBuffer: 16 << 20,
    });
  const down = async () => {
    const logs = await compose('logs', '--no-color').catch(() => ({ stdout: '' }));
    if (process.env.PARLEY_DEPLOY_LOGS) console.log(logs.stdout);
    await compose('down', '--volumes', '--timeout', '5').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    await llm.close();
  };
  try {
    await compose('up', '-d', '--no-build', ...(options.up ?? []));
  } catch (error) {
    await down();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, llm, compose, down };
}

describe.skipIf(skip)('the Docker image, started with docker-compose.yml', () => {
  const token = 'deploy-test-token-0123456789abcdef';
  let deployed: ComposeRun | undefined;
  let llm: OpenAIDouble;
  let url: string;
  let compose: ComposeRun['compose'];

  beforeAll(async () => {
    deployed = await startCompose({
      file: 'docker-compose.yml',
      subnet: `10.213.${process.pid % 250}`,
      token,
      env: ['OPENAI_API_KEY=sk-deploy-test'],
      parley: {
        llm: { model: 'test-model', stream: false },
        access: { owners: ['web:deployowner01'] },
        tools: { policies: { shell: 'auto' } },
        sandbox: { image: TEST_IMAGE, timeoutSeconds: 20 },
      },
      services: (toHost) => ({ parley: toHost }),
    });
    ({ llm, url, compose } = deployed);
  }, 30 * 60_000);

  afterAll(() => deployed?.down(), 120_000);

  it('is ready, chats over the web chat, and runs a shell call in a sandbox container', async () => {
    await expect
      .poll(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(200);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(ready)).not.toContain(token);

    const client = await new WebClient(url, token, 'deployowner01').connect();
    try {
      await client.send('hello from the host');
      const [first] = await client.waitForMessages(1, 30_000);
      expect(first?.text).toBe('echo: hello from the host');

      llm.script.push(
        {
          toolCalls: [
            {
              name: 'shell',
              arguments: JSON.stringify({ command: 'echo sandbox-$((6*7)); id -u' }),
            },
          ],
        },
        { text: 'The sandbox answered.' },
      );
      await client.send('run something in the sandbox');
      await client.waitFor(
        (f) => f.type === 'message' && f.text === 'The sandbox answered.',
        60_000,
      );
      const toolResult = llm.requests
        .flatMap((request) => request.body.messages)
        .find((message) => message.role === 'tool');
      // Parley's own uid inside the image (node, 1000), not root.
      expect(JSON.parse(String(toolResult?.content))).toMatchObject({
        exitCode: 0,
        stdout: 'sandbox-42\n1000\n',
      });
    } finally {
      client.close();
    }
    // No sandbox container of this Parley (labelled with its container's hostname) is left.
    const id = (await compose('ps', '-q', 'parley')).stdout.trim();
    const host = (await run('docker', ['inspect', '-f', '{{.Config.Hostname}}', id])).stdout.trim();
    const { stdout } = await run('docker', [
      ...['ps', '-a', '--filter', 'label=parley.sandbox=1'],
      ...['--format', '{{.Label "parley.owner"}}'],
    ]);
    expect(stdout.split('\n').filter((owner) => owner.startsWith(`${host}:`))).toEqual([]);
  }, 180_000);
});

/**
 * docker-compose.scale.yml, run as written but for `image:` (local stand-ins for
 * postgres and caddy, from .ci/scale-images.sh): Postgres, two gateways, two
 * workers and Caddy. Through Caddy's published port: /readyz lists the four nodes and
 * their roles, web chat conversations are answered once each and in order, and they
 * still are after a worker container is killed.
 */
describe.skipIf(skip)('docker-compose.scale.yml: Postgres, gateways, workers, Caddy', () => {
  const token = 'scale-deploy-token-0123456789abcdef';
  let deployed: ComposeRun | undefined;
  let llm: OpenAIDouble;
  let url: string;
  let compose: ComposeRun['compose'];

  beforeAll(async () => {
    const [postgresImage, caddyImage] = (
      await run('bash', ['.ci/scale-images.sh'], { maxBuffer: 16 << 20 })
    ).stdout
      .trim()
      .split('\n')
      .slice(-2);
    deployed = await startCompose({
      file: 'docker-compose.scale.yml',
      subnet: `10.214.${process.pid % 250}`,
      token,
      env: ['POSTGRES_PASSWORD=scale-test-password-0123', 'OPENAI_API_KEY=sk-scale-deploy-test'],
      parley: {
        llm: { model: 'test-model', stream: false },
        sandbox: { enabled: false },
        storage: { leaseSeconds: 3 },
      },
      services: (toHost) => ({
        postgres: { image: postgresImage },
        lb: { image: caddyImage },
        gateway: toHost,
        worker: toHost,
      }),
      up: ['--scale', 'gateway=2', '--scale', 'worker=2'],
    });
    ({ llm, url, compose } = deployed);
  }, 30 * 60_000);

  afterAll(() => deployed?.down(), 120_000);

  /** The node lines of /readyz (with the token), e.g. `node:abc-1` → `worker; …`. */
  async function nodes(): Promise<Record<string, string>> {
    const response = await fetch(`${url}/readyz`, {
      headers: { authorization: `Bearer ${token}` },
    }).catch(() => undefined);
    if (!response?.ok) return {};
    const { checks } = (await response.json()) as { checks: Record<string, string> };
    return Object.fromEntries(Object.entries(checks).filter(([key]) => key.startsWith('node:')));
  }

  /** Sends `rounds` messages in each of `chats` conversations; expects each answered once, in order. */
  async function chat(chats: number, rounds: number, tag: string): Promise<void> {
    const clients = await Promise.all(
      Array.from({ length: chats }, (_, c) =>
        new WebClient(url, token, `${tag}user${c}`).connect(),
      ),
    );
    try {
      await Promise.all(
        clients.map(async (client, c) => {
          for (let r = 0; r < rounds; r++) await client.send(`${tag} c${c} r${r}`);
          await client.waitForMessages(rounds, 60_000);
          const texts = client.messages().map((m) => m.text);
          expect(texts).toEqual(
            Array.from({ length: rounds }, (_, r) => `echo: ${tag} c${c} r${r}`),
          );
        }),
      );
    } finally {
      for (const client of clients) client.close();
    }
  }

  it('lists every node, answers through Caddy, and keeps answering when a worker dies', async () => {
    await expect
      .poll(
        async () =>
          Object.values(await nodes())
            .map((line) => line.split(';')[0])
            .sort(),
        {
          timeout: 120_000,
          interval: 1000,
        },
      )
      .toEqual(['gateway', 'gateway', 'worker', 'worker']);
    await chat(6, 3, 'before');

    const [worker] = (await compose('ps', '-q', 'worker')).stdout.trim().split('\n');
    await run('docker', ['kill', worker!]);
    await chat(6, 3, 'after');
    const answered = llm.requests.length;
    expect(answered).toBe(36); // each message reached the model once
  }, 300_000);
});

describe('deploy files', () => {
  it('docker-compose.yml runs Parley with data, the Docker socket and a /healthz check', () => {
    const compose = YAML.parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<
        string,
        { volumes: string[]; environment: Record<string, string>; healthcheck: { test: string[] } }
      >;
    };
    const parley = compose.services.parley!;
    expect(parley.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    const data = parley.volumes.find((v) => v.startsWith('${PARLEY_DATA'))!;
    const [host, inside] = data.split(/:(?=\$)/);
    expect(host).toBe(inside);
    expect(parley.environment.PARLEY_DATA_DIR).toBe(host);
    expect(parley.environment.PARLEY_WEB_HOST).toBe('0.0.0.0');
    expect(parley.healthcheck.test.join(' ')).toContain('/healthz');
  });

  it('Dockerfile builds in stages on Node 24, its bases as build arguments', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toContain('ARG BASE=node:24-slim');
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('PARLEY_WEB_HOST=0.0.0.0');
    expect(dockerfile).toContain('CMD ["node", "dist/cli/parley.js", "start"]');
    expect(readFileSync('.dockerignore', 'utf8')).toMatch(/^node_modules$/m);
  });
});
