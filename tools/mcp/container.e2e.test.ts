/**
 * An MCP stdio server run in a sandbox container (`mcp.servers.<name>.sandbox`): the
 * SDK double inside an image, connected through the Docker API, its tools listed and
 * called through the registry; it runs as the sandbox user, without network
 * (`network: none`), on a read-only root, with only the variables its `env` names; the
 * container goes away when the connection closes.
 */
import Docker from 'dockerode';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, testSandboxConfig } from '../../sandbox/testing.js';
import { mcpServerImage } from '../../test/doubles/mcp/image.js';
import { Redactor } from '../redact.js';
import { ToolRegistry } from '../registry.js';
import { mcpSchema } from './config.js';
import { MCP_LABEL } from './container-transport.js';
import { McpManager } from './manager.js';

const skip = await dockerSkipReason();
const context = {
  sessionId: 1,
  conversationKey: 'k',
  channel: 'test',
  senderId: 'u',
  signal: new AbortController().signal,
};

describe.skipIf(skip)('an MCP server in a sandbox container', () => {
  let image: string;
  let manager: McpManager;
  const tools = new ToolRegistry();
  const docker = new Docker();
  const mine = async () =>
    (await docker.listContainers({ all: true, filters: { label: [`${MCP_LABEL}=boxed`] } })).map(
      (c) => c.Id,
    );

  beforeAll(async () => {
    image = await mcpServerImage();
    const config = mcpSchema.parse({
      servers: {
        boxed: {
          command: 'node',
          args: ['/srv/server.mjs'],
          env: ['BOXED_TOKEN'],
          policy: 'auto',
          sandbox: { image, network: 'none' },
        },
      },
    });
    manager = new McpManager(config, {
      tools,
      environment: { BOXED_TOKEN: 'tok-in-box-123', PATH: '/usr/bin', PARLEY_SECRET: 'never' },
      redactor: new Redactor([]),
      log: pino({ level: 'silent' }),
      sandbox: testSandboxConfig(),
    });
    manager.start();
    await manager.ready;
  }, 120_000);
  afterAll(async () => {
    await manager?.close();
  });

  it('lists and calls its tools through the registry', async () => {
    expect(manager.status()[0]).toMatchObject({ state: 'connected', transport: 'stdio' });
    const add = tools.get('boxed__add')!;
    expect((await add.run({ a: 20, b: 22 }, context)).content).toBe('42');
  });

  it('runs isolated: sandbox user, no network, read-only root, only the named variables', async () => {
    const where = JSON.parse((await tools.get('boxed__whereami')!.run({}, context)).content);
    expect(where).toEqual({ uid: 65534, interfaces: ['lo'], rootWritable: false });
    const keys = JSON.parse((await tools.get('boxed__env_keys')!.run({}, context)).content);
    expect(keys).toContain('BOXED_TOKEN');
    expect(keys).not.toContain('PARLEY_SECRET');
    expect(
      keys.filter(
        (k: string) =>
          !(
            // HOSTNAME is set by Docker itself.
            ['BOXED_TOKEN', 'HOME', 'HOSTNAME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE'].includes(
              k,
            )
          ),
      ),
    ).toEqual([]);
    expect(await mine()).toHaveLength(1);
  });

  it('removes its container when the connection closes', async () => {
    await manager.close();
    expect(await mine()).toEqual([]);
  });
});
