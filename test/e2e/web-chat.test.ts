import { Socket } from 'node:net';
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

  it('sends the echo of a message and its ack in one write', async () => {
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    // Every buffer list a socket hands to the kernel at once, as text.
    type Writev = (chunks: { chunk: Buffer | string }[], done: (error?: Error) => void) => void;
    const sockets = Socket.prototype as unknown as { _writev: Writev };
    const writev = sockets._writev;
    const writes: string[] = [];
    sockets._writev = function (this: Socket, chunks, done) {
      writes.push(chunks.map(({ chunk }) => chunk.toString()).join(''));
      return writev.call(this, chunks, done);
    };
    try {
      await client.send('one write', 'm-one');
    } finally {
      sockets._writev = writev;
    }
    const both = writes.filter((w) => w.includes('"type":"user"') && w.includes('"type":"ack"'));
    expect(both).toHaveLength(1);
    expect(both[0]).toContain('"id":"m-one"');
    await client.waitForMessages(1);
    client.close();
  });

  it('keeps the user side of the conversation: every browser of it gets it, a resent frame is stored once', async () => {
    const id = `shared${Date.now().toString(36)}`;
    const first = await new WebClient(parley.app.url, parley.app.token, id).connect();
    const second = await new WebClient(parley.app.url, parley.app.token, id).connect();
    await first.send('hello both', 'm-same');
    await first.send('hello both', 'm-same'); // a resend after a lost ack
    await second.waitFor((f) => f.type === 'message' && f.text === 'echo: hello both');
    expect(second.frames.filter((f) => f.type === 'user').map((f) => [f.id, f.text])).toEqual([
      ['m-same', 'hello both'],
    ]);
    first.close();
    second.close();
    // A browser opened later replays the whole conversation, in order.
    const later = await new WebClient(parley.app.url, parley.app.token, id).connect();
    await later.waitFor((f) => f.type === 'message');
    expect(later.frames.map((f) => `${f.type}:${f.text}`)).toEqual([
      'user:hello both',
      'message:echo: hello both',
    ]);
    const listed = await fetch(`${parley.app.url}/web/conversations`, {
      headers: { authorization: `Bearer ${parley.app.token}` },
    }).then((r) => r.json());
    expect(listed.conversations).toContainEqual(
      expect.objectContaining({ id, title: 'hello both' }),
    );
    later.close();
  });

  it('guards the upload and conversation routes', async () => {
    const auth = { authorization: `Bearer ${parley.app.token}` };
    const upload = (query: string, headers: Record<string, string>) =>
      fetch(`${parley.app.url}/web/upload?${query}`, { method: 'POST', headers, body: 'data' });
    expect((await upload('conversation=conv-0001&name=a.txt', {})).status).toBe(401);
    expect((await upload('conversation=conv-0001&name=a.txt', auth)).status).toBe(403);
    const page = { ...auth, 'x-parley-request': '1' };
    expect((await upload('conversation=../x&name=a.txt', page)).status).toBe(400);
    const ok = await upload('conversation=conv-0001&name=a.txt', page);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: 'a.txt', kind: 'document', size: 4 });
    const foreign = await fetch(`${parley.app.url}/web/conversations/conv-0001`, {
      method: 'DELETE',
      headers: { ...page, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const missing = await fetch(`${parley.app.url}/web/conversations/conv-0001`, {
      method: 'DELETE',
      headers: page,
    });
    expect(missing.status).toBe(404);
  });
});
