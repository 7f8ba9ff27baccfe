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
    llm.script.push({ text: 'Hello there, human friend.', deltaDelayMs: 20 });
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

  it('drops deltas still waiting when the final message is ready: it supersedes them', async () => {
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push({ text: 'All at once, no waiting between words.' });
    await client.send('quick');
    const [reply] = await client.waitForMessages(1);
    const text = reply!.text ?? '';
    expect(text).toBe('All at once, no waiting between words.');
    const frames = client.frames.map((f) => f.type);
    expect(frames.indexOf('message')).toBeGreaterThan(frames.indexOf('ack'));
    const streamed = client.frames
      .filter((f) => f.type === 'delta')
      .map((f) => f.text)
      .join('');
    expect(text.startsWith(streamed)).toBe(true);
    expect(streamed.length).toBeLessThan(text.length);
    client.close();
  });
});
