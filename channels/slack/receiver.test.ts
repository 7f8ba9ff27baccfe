import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { slackSignature } from '../../test/doubles/slack.js';
import { loopbackServer } from '../../test/http.js';
import { HttpEventsReceiver, MAX_SLACK_BODY } from './receiver.js';

const SECRET = 'slack-signing-secret-receiver';
const log = pino({ level: 'silent' });

/** A body that never ends: only a receiver that refuses on headers can answer. */
function endless(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull: (controller) =>
      new Promise((resolve) =>
        setTimeout(() => {
          controller.enqueue(new Uint8Array(1024));
          resolve();
        }, 5),
      ),
  });
}

describe('slack HTTP receiver', () => {
  const server = loopbackServer(log);
  const receiver = new HttpEventsReceiver({
    http: server.app,
    path: '/slack/events',
    signingSecret: SECRET,
    log,
  });
  const post = (headers: Record<string, string>, body: RequestInit['body']) =>
    server.app.request('/slack/events', {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit);

  it('refuses unsigned and stale requests before reading the body', async () => {
    await receiver.start();
    expect((await post({}, endless())).status).toBe(401);
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    const signature = slackSignature(SECRET, stale, '');
    const answer = await post(
      { 'x-slack-request-timestamp': stale, 'x-slack-signature': signature },
      endless(),
    );
    expect(answer.status).toBe(401);
  });

  it('caps a signed body at MAX_SLACK_BODY (413)', async () => {
    await receiver.start();
    const body = 'x'.repeat(MAX_SLACK_BODY + 1);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const answer = await post(
      {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(SECRET, timestamp, body),
      },
      body,
    );
    expect(answer.status).toBe(413);
  });
});
