import { createServer, type Server } from 'node:http';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { testConfig } from '../test/harness.js';
import { runDoctor } from './doctor.js';

/** Telegram, Slack and Discord refusing every token, as their APIs do. */
async function startRefusingPlatforms(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const [status, body] = path.includes('/getMe')
      ? [401, { ok: false, error_code: 401, description: 'Unauthorized' }]
      : path.endsWith('/auth.test')
        ? [200, { ok: false, error: 'invalid_auth' }]
        : [401, { message: '401: Unauthorized', code: 0 }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe('parley doctor', () => {
  let llm: OpenAIDouble;
  let platforms: { url: string; server: Server };
  const lines: string[] = [];

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    platforms = await startRefusingPlatforms();
  });
  afterAll(async () => {
    await llm.close();
    platforms.server.closeAllConnections();
    await new Promise((resolve) => platforms.server.close(resolve));
  });

  it('reports a missing Docker engine, a bad API key and refused channel tokens, with fixes', async () => {
    llm.script.push({ status: 401 });
    const config = testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-wrong-key-123' },
      sandbox: { enabled: true, socketPath: '/nonexistent/parley-test/docker.sock' },
      channels: {
        telegram: { enabled: true, token: '123:telegram-secret', apiRoot: platforms.url },
        slack: {
          enabled: true,
          botToken: 'xoxb-slack-secret',
          appToken: 'xapp-1',
          apiUrl: `${platforms.url}/api/`,
        },
        discord: { enabled: true, token: 'discord-secret-token', apiRoot: `${platforms.url}/api` },
      },
    });
    const { ok, results } = await runDoctor(config, {
      out: (line) => lines.push(line),
      timeoutMs: 3000,
    });
    expect(ok).toBe(false);
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName.config?.status).toBe('ok');
    expect(byName['data folder']?.status).toBe('ok');
    expect(byName.docker).toMatchObject({ status: 'fail' });
    expect(byName.docker?.detail).toContain('/nonexistent/parley-test/docker.sock');
    expect(byName.docker?.fix).toMatch(/start Docker/);
    expect(byName.provider).toMatchObject({ status: 'fail' });
    expect(byName.provider?.detail).toMatch(/bad API key/);
    expect(byName.provider?.fix).toMatch(/OPENAI_API_KEY/);
    for (const name of ['telegram', 'slack', 'discord']) {
      expect(byName[name]?.status, name).toBe('fail');
      expect(byName[name]?.fix, name).toBeTruthy();
    }
    expect(byName.slack?.detail).toContain('invalid_auth');
    const printed = lines.join('\n');
    expect(printed).toContain('✗ docker');
    expect(printed).toContain('fix: ');
    expect(printed).toMatch(/… checking/);
    for (const secret of [
      'sk-wrong-key-123',
      'telegram-secret',
      'xoxb-slack-secret',
      'discord-secret-token',
    ])
      expect(printed).not.toContain(secret);
  });

  it('passes when the provider answers and Docker answers', async () => {
    llm.script.push({ text: 'pong' });
    const docker = {
      ping: async () => 'OK',
      getImage: () => ({ inspect: async () => ({ Id: 'sha256:1' }) }),
    } as unknown as Docker;
    const config = testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-good' },
      sandbox: { enabled: true, image: 'parley-sandbox-test' },
    });
    const { ok, results } = await runDoctor(config, { docker: () => docker, out: () => {} });
    expect(results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(ok).toBe(true);
    expect(results.find((r) => r.name === 'sandbox image')?.detail).toContain(
      'parley-sandbox-test',
    );
  });

  it('names the missing sandbox image with the pull command', async () => {
    const docker = {
      ping: async () => 'OK',
      getImage: () => ({
        inspect: async () => {
          throw new Error('(HTTP code 404) no such image');
        },
      }),
    } as unknown as Docker;
    llm.script.push({ text: 'pong' });
    const config = testConfig({
      llm: { baseUrl: llm.baseUrl, apiKey: 'k' },
      sandbox: { enabled: true, image: 'img:1' },
    });
    const { ok, results } = await runDoctor(config, { docker: () => docker, out: () => {} });
    expect(ok).toBe(false);
    expect(results.find((r) => r.name === 'sandbox image')?.fix).toContain('docker pull img:1');
  });
});
