/**
 * Slack end to end through the whole Parley (startParley): signed events POSTed to
 * `/slack/events`, the OpenAI double as the model, the Slack Web API double for replies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { postSlackEvent, type SlackDouble, startSlackDouble } from '../../test/doubles/slack.js';
import { type Running, startParley, testConfig } from '../../test/harness.js';
import { loadFixture } from './fixtures.js';
import type { SlackBlockActionsBody, SlackEventEnvelope } from './types.js';

const SECRET = 'e2e-signing-secret';
const OWNER = 'U0OWNER01';
let seq = 0;

/** A fixture event with a fresh event_id and ts (and optional changes). */
function event(
  name: 'app_mention' | 'message_im' | 'message_own' | 'message_bot' | 'message_thread_reply',
  change: Partial<SlackEventEnvelope['event']> = {},
): SlackEventEnvelope {
  const envelope = loadFixture<SlackEventEnvelope>(name);
  seq += 1;
  envelope.event_id = `EvE2E${seq}`;
  envelope.event = {
    ...envelope.event,
    ts: `1712400000.${String(seq).padStart(6, '0')}`,
    ...change,
  };
  return envelope;
}

describe('slack end to end', () => {
  let llm: OpenAIDouble;
  let slack: SlackDouble;
  let parley: Running;
  let url: string;
  const post = (body: unknown, options = {}) => postSlackEvent(url, SECRET, body, options);

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    slack = await startSlackDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' },
        access: { owners: [`slack:${OWNER}`], allow: ['slack:U0ALICE01'] },
        tools: { policies: { get_time: 'ask' } },
        channels: {
          slack: {
            enabled: true,
            botToken: 'xoxb-e2e-token',
            signingSecret: SECRET,
            apiUrl: slack.apiUrl,
            minIntervalMs: 20,
          },
        },
      }),
    );
    url = `${parley.app.url}/slack/events`;
  });
  beforeEach(() => {
    slack.posts.length = 0;
    llm.requests.length = 0;
  });
  afterAll(async () => {
    await parley.close();
    await slack.close();
    await llm.close();
  });

  it('answers an app_mention in its thread', async () => {
    const mention = event('app_mention');
    expect((await post(mention)).status).toBe(200);
    const [reply] = await slack.waitForPosts(1);
    expect(reply).toMatchObject({
      channel: 'C0GENERAL',
      thread_ts: mention.event.ts,
      text: 'echo: what is the capital of France?',
    });
  });

  it('answers follow-ups in a thread it takes part in without a new mention', async () => {
    const mention = event('app_mention');
    await post(mention);
    await slack.waitForPosts(1);
    // Alice started the thread with the mention: parent_user_id is hers, not the bot's.
    await post(event('message_thread_reply', { thread_ts: mention.event.ts, text: 'and Spain?' }));
    const posts = await slack.waitForPosts(2);
    expect(posts[1]).toMatchObject({ thread_ts: mention.event.ts, text: 'echo: and Spain?' });
  });

  it('asks Slack about a thread it does not remember, and ignores threads without it', async () => {
    // A thread the bot answered in before a restart: only Slack knows.
    slack.posts.push({ channel: 'C0GENERAL', ts: '1712300000.000900', text: 'earlier answer' });
    slack.posts.push({
      channel: 'C0GENERAL',
      ts: '1712300000.000901',
      thread_ts: '1712300000.000900',
      text: 'earlier answer in thread',
    });
    await post(
      event('message_thread_reply', { thread_ts: '1712300000.000800', text: 'people only' }),
    );
    await post(
      event('message_thread_reply', { thread_ts: '1712300000.000900', text: 'remember me?' }),
    );
    const posts = await slack.waitForPosts(3);
    expect(posts[2]).toMatchObject({ thread_ts: '1712300000.000900', text: 'echo: remember me?' });
    expect(slack.posts.some((p) => p.text === 'echo: people only')).toBe(false);
    const lookups = slack.calls.filter((c) => c.method === 'conversations.replies');
    expect(lookups.map((c) => c.args.ts)).toEqual(['1712300000.000800', '1712300000.000900']);
  });

  it('answers a DM, and a retried delivery of it does nothing', async () => {
    const dm = event('message_im');
    expect((await post(dm)).status).toBe(200);
    const [reply] = await slack.waitForPosts(1);
    expect(reply).toMatchObject({
      channel: 'D0ALICEDM',
      text: 'echo: hello there &amp; good morning',
    });
    expect(reply!.thread_ts).toBeUndefined();
    expect((await post(dm, { retryNum: 1 })).status).toBe(200);
    // A later message of the same conversation is answered after anything queued before it.
    await post(event('message_im', { text: 'second' }));
    await slack.waitForPosts(2);
    expect(slack.posts.map((p) => p.text)).toEqual([
      'echo: hello there &amp; good morning',
      'echo: second',
    ]);
    expect(llm.requests).toHaveLength(2);
  });

  it('ignores its own messages and other bots', async () => {
    expect((await post(event('message_own'))).status).toBe(200);
    expect((await post(event('message_bot'))).status).toBe(200);
    await post(event('message_im', { text: 'after the bots' }));
    await slack.waitForPosts(1);
    expect(slack.posts.map((p) => p.text)).toEqual(['echo: after the bots']);
    expect(llm.requests).toHaveLength(1);
  });

  it('asks for approval with buttons; only the owner’s press runs the tool', async () => {
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is **noon**.' },
    );
    const mention = event('app_mention', { user: OWNER, text: '<@UBOT0001> what time is it?' });
    await post(mention);
    const [prompt] = await slack.waitForPosts(1);
    expect(prompt).toMatchObject({ channel: 'C0GENERAL', thread_ts: mention.event.ts });
    const actions = prompt!.blocks?.[1] as { elements: { value: string; action_id: string }[] };
    const approve = actions.elements.find((e) => e.value.endsWith(':approve'))!;

    const press = (user: string) => {
      const body = loadFixture<SlackBlockActionsBody>('block_actions');
      body.user = { id: user, name: user, team_id: 'T0001' };
      body.trigger_id = `trigger-${user}`;
      body.container = { ...body.container, message_ts: prompt!.ts, thread_ts: mention.event.ts };
      body.message = { ...body.message, ts: prompt!.ts, thread_ts: mention.event.ts };
      body.actions = [{ ...body.actions[0]!, value: approve.value, action_id: approve.action_id }];
      return post(body, { form: true });
    };
    expect((await press('U0ALICE01')).status).toBe(200);
    await slack.waitForPosts(2);
    expect(slack.posts[1]!.text).toMatch(/Only the owner/);
    expect(llm.requests).toHaveLength(1);

    expect((await press(OWNER)).status).toBe(200);
    const posts = await slack.waitForPosts(4);
    const texts = posts.slice(2).map((p) => p.text);
    expect(texts).toContain('It is *noon*.');
    expect(texts.some((t) => /approved get_time/.test(t))).toBe(true);
    for (const p of posts) expect(p.thread_ts).toBe(mention.event.ts);
    expect(slack.edits.get(prompt!.ts)).toMatch(/approved get_time/);
    const toolResult = llm.requests[1]!.body.messages.find((m) => m.role === 'tool');
    expect(toolResult).toBeDefined();
  });
  it('downloads shared files with the bot token: images to the model, documents to the workspace', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const image = slack.addFile('chart.png', 'image/png', png);
    const pdf = slack.addFile('report.pdf', 'application/pdf', Buffer.from('%PDF-1.4 report'));
    await post(
      event('message_im', { subtype: 'file_share', text: 'what is this?', files: [image, pdf] }),
    );
    await slack.waitForPosts(1);
    expect(slack.downloads.map((d) => d.token)).toEqual(['xoxb-e2e-token', 'xoxb-e2e-token']);
    const user = llm.requests[0]!.body.messages.at(-1)!;
    const parts = user.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts[1]!.image_url!.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(parts[0]!.text).toMatch(
      /^what is this\?\n\[attached image "chart.png" saved at \/workspace\/[\w-]+-chart.png, 16 bytes\]\n\[attached document "report.pdf" saved at \/workspace\/[\w-]+-report.pdf, 15 bytes\]$/,
    );
  });
});
