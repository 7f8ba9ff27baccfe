/**
 * The network opt-in of the sandbox, end to end on a real engine: a container of a
 * network tool is on an internal network whose only way out is the egress proxy.
 * Through the proxy it reaches an allowed host (a server of this test on the host's
 * loopback, let through by `allowAddresses`) over plain HTTP and over CONNECT; hosts
 * not allowed, private and metadata addresses are refused with the reason; and there
 * is no way around the proxy (no route to anything else, not even the host).
 */
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { dockerSkipReason, testSandboxConfig } from '../../sandbox/testing.js';
import { tempDir } from '../../test/harness.js';
import { openEgress, type SandboxSetup } from './index.js';

const skip = await dockerSkipReason();

describe.skipIf(skip)('sandbox egress proxy', () => {
  let target: Server;
  let targetPort = 0;
  let sandbox: DockerSandbox;
  const stops: (() => Promise<void> | void)[] = [];
  const workspace = tempDir();

  beforeAll(async () => {
    target = createServer((req, res) => res.end(`hello from the allowed target ${req.url}`));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as { port: number }).port;
    const config = testSandboxConfig({
      networkTools: ['shell'],
      egress: {
        allowHosts: ['127.0.0.1', 'example.com', '10.1.2.3', '169.254.169.254'],
        allowAddresses: ['127.0.0.1'],
        network: 'parley-egress-test',
      },
    });
    sandbox = new DockerSandbox(config);
    const setup = {
      config: { sandbox: config, dataDir: tempDir() },
      log: pino({ level: 'silent' }),
      onStop: (fn: () => Promise<void> | void) => stops.push(fn),
    } as unknown as SandboxSetup;
    await openEgress(setup, sandbox);
    expect(sandbox.egress?.network).toBe('parley-egress-test');
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await sandbox?.close();
    await new Promise((resolve) => target.close(resolve));
  });

  /** Runs `script` in a container of a network tool; the proxy's host and port are $PH $PP. */
  const run = async (script: string, network = true) => {
    const result = await sandbox.run({
      cmd: ['sh', '-c', `p=\${HTTP_PROXY#http://}; PH=\${p%:*}; PP=\${p##*:}; ${script}`],
      workspace,
      network,
    });
    return `${result.stdout}${result.stderr}`;
  };
  // stdin stays open a moment, as a real client's connection does (no half-close).
  const viaProxy = (request: string) => run(`(printf '${request}'; sleep 2) | nc -w 5 $PH $PP`);

  it('reaches an allowed host through the proxy, over HTTP and over a CONNECT tunnel', async () => {
    const http = await viaProxy(
      `GET http://127.0.0.1:${targetPort}/plain HTTP/1.1\\r\\nHost: 127.0.0.1:${targetPort}\\r\\nConnection: close\\r\\n\\r\\n`,
    );
    expect(http).toContain('200 OK');
    expect(http).toContain('hello from the allowed target /plain');
    const tunnel = await viaProxy(
      `CONNECT 127.0.0.1:${targetPort} HTTP/1.1\\r\\n\\r\\nGET /tunnel HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n`,
    );
    expect(tunnel).toContain('200 Connection Established');
    expect(tunnel).toContain('hello from the allowed target /tunnel');
  });

  it('refuses hosts not on the list, and private and metadata addresses even when listed', async () => {
    const other = await viaProxy(
      'GET http://not-allowed.test/ HTTP/1.1\\r\\nHost: not-allowed.test\\r\\n\\r\\n',
    );
    expect(other).toContain('403');
    expect(other).toContain('not-allowed.test is not in sandbox.egress.allowHosts');
    const metadata = await viaProxy('CONNECT 169.254.169.254:80 HTTP/1.1\\r\\n\\r\\n');
    expect(metadata).toContain('403');
    expect(metadata).toMatch(/169\.254\.169\.254.*internal address/);
    const privateNet = await viaProxy(
      'GET http://10.1.2.3/ HTTP/1.1\\r\\nHost: 10.1.2.3\\r\\n\\r\\n',
    );
    expect(privateNet).toMatch(/403[\s\S]*internal address/);
  });

  it('has no way around the proxy: not to the internet, a private address or the host', async () => {
    const direct = await run(
      `for t in "1.1.1.1 80" "10.1.2.3 80" "$PH ${targetPort}"; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 $t >/dev/null 2>&1 && echo "reached $t" || echo "no route to $t"; done`,
    );
    expect(direct).not.toContain('reached');
    expect(direct.match(/no route/g)).toHaveLength(3);
  });

  it('gives a tool without the opt-in no network and no proxy', async () => {
    const out = await run(
      'echo "proxy=[$HTTP_PROXY]"; cat /sys/class/net/*/operstate 2>/dev/null | wc -l',
      false,
    );
    expect(out).toContain('proxy=[]');
    expect(out.trim().split('\n').at(-1)).toBe('1'); // loopback only
  });
});
