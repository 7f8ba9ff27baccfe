import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai.js';
import { TestChannel } from '../test/doubles/test-channel.js';
import { type Running, startParley, testConfig } from '../test/harness.js';
import { testJob } from '../test/jobs.js';

describe('admin jobs API', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  const channel = new TestChannel();
  const auth = { authorization: 'Bearer test-token-0123456789abcdef' };
  const post = (path: string, body: unknown) =>
    fetch(`${parley.app.url}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-parley-request': '1' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789', stream: false } }),
      { channels: [channel] },
    );
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });

  it('lists jobs with receipts, runs one now and cancels it', async () => {
    const job = await parley.app.jobs!.create(
      testJob({
        instruction: 'Post the daily digest',
        cron: '0 7 * * *',
      }),
    );
    llm.script.push({ text: 'Here is the digest.' });
    const run = await post(`/api/jobs/${job.id}`, { action: 'run' });
    expect(run.status).toBe(200);
    expect(await run.json()).toEqual({ ok: true, text: `Job #${job.id} is running now.` });
    await channel.waitForDeliveries(1);
    expect(channel.texts()).toEqual(['Here is the digest.']);
    const list = await fetch(`${parley.app.url}/api/jobs`, { headers: auth });
    const body = (await list.json()) as {
      enabled: boolean;
      nextWakeAt: number;
      jobs: {
        id: number;
        state: string;
        runs: { outcome: string; note: string; promptTokens: number }[];
      }[];
    };
    expect(body.enabled).toBe(true);
    expect(body.nextWakeAt).toBe(job.nextRunAt);
    expect(body.jobs[0]).toMatchObject({ id: job.id, state: 'active' });
    expect(body.jobs[0]!.runs[0]).toMatchObject({
      outcome: 'ok',
      note: '(run now by admin:web)',
      promptTokens: 10,
    });
    expect((await post(`/api/jobs/${job.id}`, { action: 'cancel' })).status).toBe(200);
    const again = await post(`/api/jobs/${job.id}`, { action: 'cancel' });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: `job #${job.id} is already cancelled` });
    expect((await post('/api/jobs/999', { action: 'pause' })).status).toBe(409);
    expect((await post(`/api/jobs/${job.id}`, { action: 'explode' })).status).toBe(400);
  });
});
