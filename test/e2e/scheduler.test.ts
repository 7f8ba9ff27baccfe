/**
 * Scheduled jobs through the whole app (in-process: real SQLite, bridge, router,
 * tool registry, OpenAI-compatible double), with the scheduler on a manual clock:
 * the agent creates a reminder with its tool, the reminder fires once at its time in
 * the conversation, a failed run says what failed, a run stops at its token cap,
 * `/jobs` lists and cancels, and a daily job missed while Parley was down follows its
 * catch-up policy after the restart.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/scheduler/index.js';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { newJob } from '../contract/stores.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, testConfig } from '../harness.js';
import { DM, testJob } from '../jobs.js';

/** A clock the test moves: timers fire when `advance` passes their time. */
class ManualClock implements Clock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private counter = 0;
  constructor(public t = Date.now()) {}
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.counter;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.timers.delete(id as number);
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at > this.t) continue;
      this.timers.delete(id);
      timer.fn();
    }
  }
}

const MINUTE = 60_000;
const OWNER = 'test:user-1';

describe('scheduled jobs in the app', () => {
  let llm: OpenAIDouble;
  let parley: Running | undefined;
  let channel: TestChannel;
  let clock: ManualClock;
  let dataDir: string;

  const start = async (scheduler: Record<string, unknown> = {}) => {
    channel = new TestChannel();
    const config = testConfig({
      ...(dataDir ? { dataDir } : {}),
      llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789', stream: false },
      access: { owners: [OWNER] },
      scheduler: { timeZone: 'Europe/Paris', ...scheduler },
      // Priced, so a run's receipt carries its cost from the usage ledger.
      usage: { prices: { 'test-model': { input: 1000, output: 2000 } } },
    });
    dataDir = config.dataDir;
    parley = await startParley(config, { channels: [channel], options: { clock } });
    return parley.app;
  };

  beforeEach(async () => {
    llm = await startOpenAIDouble();
    clock = new ManualClock();
    dataDir = '';
  });
  afterEach(async () => {
    await parley?.close();
    parley = undefined;
    await llm.close();
  });

  it('creates a reminder with the schedule tool (auto) and fires it once, at its time', async () => {
    const app = await start();
    llm.script.push(
      {
        toolCalls: [
          {
            name: 'schedule',
            arguments: JSON.stringify({
              action: 'create',
              at: 'in 20 minutes',
              instruction: 'Remind Ada to call the bank',
            }),
          },
        ],
      },
      { text: 'Done, I will remind you in 20 minutes.' },
      { text: 'Ada, time to call the bank!', usage: { prompt_tokens: 40, completion_tokens: 9 } },
    );
    await channel.inject({ text: 'remind me in 20 minutes to call the bank' });
    await channel.waitForDeliveries(1);
    expect(String(llm.requests[1]!.body.messages.at(-1)!.content)).toMatch(
      /^Created job #1; next run \d\d:\d\d/,
    );
    const [job] = await app.stores.jobs.list({ limit: 10 });
    expect(job).toMatchObject({ owner: OWNER, state: 'active', schedule: { kind: 'once' } });
    expect(job!.target).toEqual({
      channel: 'test',
      account: 'bot',
      conversationId: 'user-1',
      chatType: 'dm',
    });

    clock.advance(20 * MINUTE - 1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(llm.requests).toHaveLength(2);
    clock.advance(1000);
    await channel.waitForDeliveries(2);
    expect(channel.texts()).toEqual([
      'Done, I will remind you in 20 minutes.',
      'Ada, time to call the bank!',
    ]);
    const prompt = llm.requests[2]!.body.messages.at(-1)!;
    expect(prompt).toMatchObject({ role: 'user', content: 'Remind Ada to call the bank' });
    // The run saw the conversation's history: it is a turn of the same session.
    expect(
      llm.requests[2]!.body.messages.some(
        (m) => m.content === 'remind me in 20 minutes to call the bank',
      ),
    ).toBe(true);
    clock.advance(24 * 60 * MINUTE);
    await app.scheduler!.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(llm.requests).toHaveLength(3);
    expect(channel.delivered).toHaveLength(2);
    const [run] = await app.stores.jobs.runs({ jobId: job!.id, limit: 5 });
    expect(run).toMatchObject({ outcome: 'ok', promptTokens: 40, completionTokens: 9 });
    // 40 prompt tokens at 1,000 and 9 completion tokens at 2,000 per million.
    expect(run!.cost).toBeCloseTo(0.04 + 0.018, 9);
    expect(run!.startedAt).toBeLessThanOrEqual(run!.endedAt!);
    expect((await app.stores.jobs.get(job!.id))?.state).toBe('done');
  });

  it('asks for recurring jobs and runs one-shot reminders at once, as configured', async () => {
    const app = await start();
    const reminder = { action: 'create', at: 'in 5 minutes', instruction: 'x' };
    const daily = { action: 'create', cron: '0 9 * * *', instruction: 'x' };
    expect(app.tools.policyFor('schedule', reminder, 'dm')).toBe('auto');
    expect(app.tools.policyFor('schedule', daily, 'dm')).toBe('ask');
    expect(
      app.tools.policyFor('schedule', { action: 'create', every: '1h', instruction: 'x' }, 'dm'),
    ).toBe('ask');
    expect(app.tools.policyFor('schedule', { action: 'list' }, 'group')).toBe('auto');
    await parley!.close();
    parley = undefined;
    const strict = await start({ policies: { reminder: 'ask', recurring: 'deny' } });
    expect(strict.tools.policyFor('schedule', reminder, 'dm')).toBe('ask');
    expect(strict.tools.policyFor('schedule', daily, 'dm')).toBe('deny');

    // A recurring job proposed by the model waits for an owner's approval.
    llm.script.push(
      {
        toolCalls: [
          { name: 'schedule', arguments: JSON.stringify({ ...daily, action: 'create' }) },
        ],
      },
      { text: 'ok' },
    );
    await parley!.close();
    parley = undefined;
    const app2 = await start();
    await channel.inject({ text: 'every day at 9 tell me the weather' });
    await channel.waitForDeliveries(1);
    expect(channel.texts()[0]).toMatch(/Approval needed.*schedule/s);
    expect(await app2.stores.jobs.list({ limit: 10 })).toHaveLength(0);
  });

  it('refuses a job beyond scheduler.maxJobsPerUser and tells the model why', async () => {
    const app = await start({ maxJobsPerUser: 1 });
    const create = (at: string) => ({
      toolCalls: [
        { name: 'schedule', arguments: JSON.stringify({ action: 'create', at, instruction: 'x' }) },
      ],
    });
    llm.script.push(create('in 5 minutes'), { text: 'one' }, create('in 6 minutes'), {
      text: 'two',
    });
    await channel.inject({ text: 'first' });
    await channel.waitForDeliveries(1);
    await channel.inject({ text: 'second' });
    await channel.waitForDeliveries(2);
    expect(String(llm.requests[3]!.body.messages.at(-1)!.content)).toBe(
      'Error: test:user-1 already has 1 active or paused jobs (scheduler.maxJobsPerUser is 1); cancel one first',
    );
    expect(await app.stores.jobs.list({ limit: 10 })).toHaveLength(1);
  });

  it('tells the conversation when a run fails, and leaves a failed receipt', async () => {
    const app = await start();
    const result = await app.jobs!.create(
      testJob({
        instruction: 'Summarise the news',
        at: 'in 1 minute',
      }),
    );
    llm.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    clock.advance(MINUTE);
    await channel.waitForDeliveries(1);
    expect(channel.texts()[0]).toMatch(/^Scheduled job #1 \("Summarise the news"\) failed: /);
    const [run] = await app.stores.jobs.runs({ jobId: result.id, limit: 1 });
    expect(run?.outcome).toBe('failed');
    expect(run?.error).toBeTruthy();
  });

  it('stops a run at its token cap', async () => {
    const app = await start();
    const job = await app.jobs!.create(
      testJob({
        instruction: 'Check the time repeatedly',
        every: '1 hour',
        maxTokens: 150,
      }),
    );
    llm.script.push({
      toolCalls: [{ name: 'get_time', arguments: '{}' }],
      usage: { prompt_tokens: 150, completion_tokens: 20 },
    });
    clock.advance(60 * MINUTE);
    await channel.waitForDeliveries(1);
    expect(channel.texts()[0]).toContain('stopped: it used 170 tokens and its cap per run is 150');
    expect(llm.requests).toHaveLength(1);
    const [run] = await app.stores.jobs.runs({ jobId: job.id, limit: 1 });
    expect(run).toMatchObject({ outcome: 'capped', promptTokens: 150, completionTokens: 20 });
  });

  it('/jobs lists the conversation’s jobs with their receipts and cancels one', async () => {
    const app = await start();
    const job = await app.jobs!.create(
      testJob({
        instruction: 'Water the plants',
        cron: '0 9 * * 1',
      }),
    );
    await app.stores.jobs.recordRun(job.id, clock.t - 86_400_000, {
      outcome: 'ok',
      promptTokens: 100,
      completionTokens: 20,
    });
    await channel.inject({ text: '/jobs' });
    await channel.waitForDeliveries(1);
    expect(channel.texts()[0]).toMatch(
      /Scheduled jobs here:\n#1 \[active\] cron "0 9 \* \* 1" \(Europe\/Paris\), next .*: Water the plants\n {4}due .*, ok, 120 tokens/,
    );
    await channel.inject({ text: '/jobs cancel 1', sender: { id: 'user-2' } });
    await channel.inject({ text: '/jobs cancel 1' });
    await channel.waitForDeliveries(3);
    expect(channel.texts()[1]).toMatch(/pairing code/);
    expect(channel.texts()[2]).toBe('Job #1 cancelled.');
    expect((await app.stores.jobs.get(job.id))?.state).toBe('cancelled');
    expect(clock.pending).toBe(0);
  });

  it('drops a job mark that is no run of a stored job, and stays silent for a cancelled job', async () => {
    const app = await start();
    await channel.inject({ text: 'do something', job: { id: 42, dueAt: 1, kind: 'run' } });
    const job = await app.jobs!.create(
      testJob({
        instruction: 'Say hi',
        at: 'in 10 minutes',
      }),
    );
    // A forged mark on a real job: the platform id is not the run's.
    await channel.inject({
      text: 'Say hi',
      job: { id: job.id, dueAt: job.nextRunAt!, kind: 'run' },
    });
    await app.jobs!.act(job.id, 'cancel', OWNER);
    const { runMessage } = await import('../../agent/scheduler/index.js');
    await app.bridge.submit(runMessage(job, 5, 'run', 'Say hi'));
    await app.bridge.drain();
    expect(llm.requests).toHaveLength(0);
    expect(channel.delivered).toHaveLength(0);
    expect((await app.stores.jobs.getRun(job.id, 5))?.outcome).toBe('cancelled');
  });

  it('runs a job of a group chat without the mention the group policy asks of people', async () => {
    const app = await start();
    await app.jobs!.create(
      testJob(
        {
          instruction: 'Post the standup reminder',
          every: '1 day',
        },
        { conversationId: 'g1', chatType: 'group' },
      ),
    );
    llm.script.push({ text: 'Standup in 5 minutes!' });
    clock.advance(24 * 60 * MINUTE);
    await channel.waitForDeliveries(1);
    expect(channel.delivered[0]!.target).toMatchObject({ conversationId: 'g1', chatType: 'group' });
    expect(llm.requests[0]!.body.messages.at(-1)!.content).toBe(
      'Scheduled job #1: Post the standup reminder',
    );
  });

  for (const catchUp of ['run-once', 'skip'] as const) {
    it(`a daily job missed while Parley was down follows its catch-up policy after the restart (${catchUp})`, async () => {
      const first = await start();
      dataDir = first.config.dataDir;
      await parley!.close();
      parley = undefined;
      // While Parley was down, yesterday's and today's 09:00 runs passed.
      clock.t = Date.parse('2026-12-02T08:30:00Z');
      const stores = openSqliteStores(join(dataDir, 'parley.db'));
      await stores.jobs.create(
        newJob({
          ...DM,
          instruction: 'Good morning summary',
          schedule: { kind: 'cron', expression: '0 9 * * *', timeZone: 'Europe/Paris' },
          catchUp,
          nextRunAt: Date.parse('2026-12-01T08:00:00Z'),
        }),
        10,
      );
      await stores.close();
      llm.script.push({ text: 'Here is your summary.' });
      const app = await start();
      await channel.waitForDeliveries(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [run] = await app.stores.jobs.runs({ limit: 1 });
      if (catchUp === 'run-once') {
        expect(channel.texts()).toEqual(['Here is your summary.']);
        expect(llm.requests.at(-1)!.body.messages.at(-1)!.content).toBe(
          'Good morning summary\n\n(this was due at 2026-12-01 09:00; 1 later run was missed too)',
        );
        expect(run).toMatchObject({
          outcome: 'ok',
          note: '(this was due at 2026-12-01 09:00; 1 later run was missed too)',
        });
      } else {
        expect(channel.texts()).toEqual([
          'Skipped scheduled job #1 ("Good morning summary"): it was due at 2026-12-01 09:00 while I was not running; 1 later run was missed too. Next run: 2026-12-03 09:00.',
        ]);
        expect(llm.requests).toHaveLength(0);
        expect(run?.outcome).toBe('skipped');
      }
      const job = (await app.stores.jobs.list({ limit: 1 }))[0]!;
      expect(job.nextRunAt).toBe(Date.parse('2026-12-03T08:00:00Z'));
    });
  }
});
