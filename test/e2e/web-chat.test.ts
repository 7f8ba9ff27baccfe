import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';

describe('web chat end to end', () => {
  let llm: OpenAIDouble;
  let parley: Running;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' } }),
    );
  });
  afterAll(async () => {
    await parley.close();
    await llm.close();
  });

  it('answers a message sent over the WebSocket, streaming deltas first', async () => {
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push({ text: 'Hello there, human friend.' });
    await client.send('hi');
    const [reply] = await client.waitForMessages(1);
    expect(reply!.text).toBe('Hello there, human friend.');
    const deltas = client.frames
      .filter((f) => f.type === 'delta')
      .map((f) => f.text)
      .join('');
    expect(deltas).toBe('Hello there, human friend.');
    client.close();
  });
});
