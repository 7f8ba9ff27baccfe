/**
 * Several Parley processes on one Postgres (docs/scale-out.md): a gateway node holds
 * Telegram long polling (the Telegram double on loopback) and stores inbound messages;
 * worker nodes (`parley start --role worker`) take conversations from the shared
 * inbox through leased lanes and send the replies through the Bot API. The model is
 * the OpenAI double (echo). What the double received is counted per chat.
 *
 * - SIGKILL: 1,000 messages over 100 conversations while workers are killed and
 *   restarted at random moments → every message answered once, in order per chat.
 * - SIGSTOP: the worker running a turn is paused past its lease; another worker takes
 *   the turn over and answers; the paused worker, resumed, delivers nothing.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TEST_TOKEN, TelegramDouble } from '../doubles/telegram.js';
import { tempDir, WebClient } from '../harness.js';
import { freshSchema, postgres } from '../postgres.js';
import { until } from '../wait.js';
import {
  chaos,
  countAll,
  kill,
  killNodes,
  leaseLosses,
  sleep,
  startNode,
  WEB_TOKEN,
  writeConfig as writeNodeConfig,
} from './scale-nodes.js';

afterEach(killNodes);

const writeConfig = (
  dir: string,
  llm: OpenAIDouble,
  telegram: TelegramDouble,
  leaseSeconds: number,
  stream = false,
) =>
  writeNodeConfig(
    dir,
    llm,
    `telegram: { enabled: true, token: "${TEST_TOKEN}", apiRoot: "${telegram.apiRoot}", pollingTimeoutSeconds: 1 }`,
    leaseSeconds,
    stream,
  );

describe.skipIf(!postgres.available)(`scale-out on Postgres ${postgres.skipReason}`, () => {
  let llm: OpenAIDouble;
  let telegram: TelegramDouble;
  afterEach(async () => {
    await llm?.close();
    await telegram?.close();
  });

  it('answers 1,000 messages over 100 chats once and in order while workers are SIGKILLed and restarted', async () => {
    llm = await startOpenAIDouble();
    telegram = new TelegramDouble(TEST_TOKEN);
    await telegram.listen();
    const url = await freshSchema();
    const config = writeConfig(tempDir(), llm, telegram, 3);
    await startNode(config, url, 'gateway', 'gateway');
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map((id) => startNode(config, url, id, 'worker')),
    );
    const chats = 100;
    const rounds = 10;
    const expected = (chat: number) => [...Array(rounds).keys()].map((i) => `echo: c${chat} m${i}`);
    const allAnswered = () => {
      for (let chat = 1; chat <= chats; chat++) {
        const texts = new Set(telegram.chat(chat).map((m) => m.text));
        if (!expected(chat).every((t) => texts.has(t))) return false;
      }
      return true;
    };
    const kills = chaos(workers, config, url);
    for (let round = 0; round < rounds; round++) {
      for (let chat = 1; chat <= chats; chat++)
        telegram.message({
          chatId: chat,
          from: { id: chat, first_name: `U${chat}` },
          text: `c${chat} m${round}`,
        });
      await sleep(300);
    }
    try {
      await until(allAnswered, 200_000, { intervalMs: 100, what: 'all replies' }).catch((error) => {
        const missing = [...Array(chats).keys()].flatMap((c) =>
          expected(c + 1).filter((t) => !telegram.chat(c + 1).some((m) => m.text === t)),
        );
        const unexpected = telegram.sent.filter((m) => !m.text.startsWith('echo: c'));
        throw new Error(
          `${(error as Error).message}: ${missing.length} missing (${missing.slice(0, 5).join(', ')}), unexpected: ${JSON.stringify(unexpected.slice(0, 3).map((m) => m.text))}`,
        );
      });
      await sleep(3000); // a late duplicate would show up here
    } finally {
      await kills.stop();
    }
    // Telegram has no idempotency key: a piece sent just before a SIGKILL may come twice.
    const losses = leaseLosses(kills.everyWorker);
    const windows = { kills: kills.killTimes, leaseLosses: losses };
    const counts = countAll(chats, (chat) => telegram.chat(chat), expected, windows);
    const { lost, duplicated, outOfOrder, unexplained } = counts;
    console.log(
      JSON.stringify({
        messages: chats * rounds,
        kills: kills.killTimes.length,
        ...counts,
        leasesLost: losses.length,
      }),
    );
    expect(kills.killTimes.length).toBeGreaterThanOrEqual(3);
    expect({ lost, outOfOrder, unexplained }).toEqual({ lost: 0, outOfOrder: 0, unexplained: 0 });
    expect(telegram.sent).toHaveLength(chats * rounds + duplicated);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query(`SELECT state, COUNT(*)::int AS n FROM inbox GROUP BY state`);
    await db.end();
    expect(rows).toEqual([{ state: 'done', n: chats * rounds }]);
  }, 300_000);

  it('a worker paused (SIGSTOP) past its lease delivers nothing after SIGCONT; another worker answers once', async () => {
    llm = await startOpenAIDouble();
    telegram = new TelegramDouble(TEST_TOKEN);
    await telegram.listen();
    // The first run of the turn answers only after its worker was paused past the lease.
    llm.script.push({ text: 'the zombie answer', delayMs: 5000 }, { text: 'the one answer' });
    const url = await freshSchema();
    const config = writeConfig(tempDir(), llm, telegram, 2);
    await startNode(config, url, 'gateway', 'gateway');
    const nodes = await Promise.all(['w1', 'w2'].map((id) => startNode(config, url, id, 'worker')));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      telegram.message({ chatId: 7, from: { id: 7, first_name: 'Ann' }, text: 'the question' });
      await until(() => llm.requests.length === 1, 20_000, { what: 'the first run' });
      const holder = (await db.query('SELECT node_id, fence FROM lane_leases')).rows[0] as {
        node_id: string;
        fence: number;
      };
      const zombie = nodes.find((n) => n.id === holder.node_id)!;
      zombie.child.kill('SIGSTOP');
      await until(() => llm.requests.length === 2, 20_000, { what: 'the take-over run' });
      await until(() => telegram.chat(7).length === 1, 10_000, { what: 'the answer' });
      const taken = (await db.query('SELECT node_id, fence FROM lane_leases')).rows as unknown[];
      expect(telegram.chat(7).map((m) => m.text)).toEqual(['the one answer']);
      zombie.child.kill('SIGCONT');
      // The zombie's model call returns now; it must neither record nor send anything.
      await until(
        () => zombie.stderr().includes('lane lease lost') || telegram.sent.length > 1,
        15_000,
        { what: 'the zombie noticing its lost lease' },
      );
      await sleep(1500);
      expect(telegram.chat(7).map((m) => m.text)).toEqual(['the one answer']);
      expect(telegram.sent).toHaveLength(1);
      expect(taken.length <= 1).toBe(true);
      const { rows } = await db.query('SELECT state, reply FROM inbox');
      expect(rows).toHaveLength(1);
      expect(rows[0].state).toBe('done');
      expect(JSON.parse(rows[0].reply).chunks).toEqual(['the one answer']);
      const turn = await db.query(`SELECT content FROM messages WHERE role = 'assistant'`);
      expect(turn.rows.map((r) => r.content)).toEqual(['the one answer']);
    } finally {
      await db.end();
    }
  }, 90_000);
  it('moves Telegram long polling to another node within 10 s of a SIGKILL, losing and repeating no update', async () => {
    llm = await startOpenAIDouble();
    telegram = new TelegramDouble(TEST_TOKEN);
    await telegram.listen();
    const url = await freshSchema();
    const config = writeConfig(tempDir(), llm, telegram, 3);
    const nodes = await Promise.all(['a', 'b'].map((id) => startNode(config, url, id, 'all')));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const holderOf = async () =>
      (await db.query(`SELECT node_id, fence FROM named_leases WHERE name = 'channel:telegram'`))
        .rows[0] as { node_id: string; fence: number } | undefined;
    try {
      await until(async () => (await holderOf()) !== undefined, 20_000, { what: 'a poller' });
      const first = (await holderOf())!;
      const say = (text: string) =>
        telegram.message({ chatId: 5, from: { id: 5, first_name: 'Bo' }, text });
      say('one');
      await until(() => telegram.chat(5).length === 1, 20_000, { what: 'the first answer' });
      // Recorded as delivered too: the kill below tests polling, not the send window.
      await until(
        async () => (await db.query(`SELECT 1 FROM inbox WHERE state = 'done'`)).rows.length === 1,
        10_000,
        { what: 'the first answer recorded' },
      );
      // Both nodes run; only one ever polled (a second poller would get 409 Conflict).
      const conflictsBefore = telegram.calls.filter((c) => c.status === 409).length;
      expect(conflictsBefore).toBe(0);
      const holder = nodes.find((n) => n.id === first.node_id)!;
      say('two');
      const killedAt = Date.now();
      await kill(holder);
      say('three');
      say('four');
      await until(async () => (await holderOf())?.node_id !== first.node_id, 20_000, {
        what: 'the take-over',
      });
      const failoverMs = Date.now() - killedAt;
      await until(() => telegram.chat(5).length >= 4, 20_000, { what: 'every answer' });
      await sleep(1500);
      console.log(JSON.stringify({ failoverMs }));
      expect(failoverMs).toBeLessThan(10_000);
      expect(Number((await holderOf())!.fence)).toBe(Number(first.fence) + 1);
      expect(telegram.chat(5).map((m) => m.text)).toEqual([
        'echo: one',
        'echo: two',
        'echo: three',
        'echo: four',
      ]);
    } finally {
      await db.end();
    }
  }, 90_000);
  it('streams deltas and the reply of a turn run on worker B to the web chat socket held by node A', async () => {
    llm = await startOpenAIDouble();
    telegram = new TelegramDouble(TEST_TOKEN);
    await telegram.listen();
    llm.script.push({ text: 'an answer written word by word', deltaDelayMs: 30 });
    const url = await freshSchema();
    const config = writeConfig(tempDir(), llm, telegram, 3, true);
    const gateway = await startNode(config, url, 'a', 'gateway');
    await startNode(config, url, 'b', 'worker');
    const client = await new WebClient(gateway.url, WEB_TOKEN).connect();
    try {
      await client.send('hello from the browser');
      await client.waitForMessages(1);
      expect(client.messages().map((m) => m.text)).toEqual(['an answer written word by word']);
      const deltas = client.frames.filter((f) => f.type === 'delta').map((f) => f.text ?? '');
      expect(deltas.length).toBeGreaterThan(0);
      expect('an answer written word by word').toContain(deltas[0]!.trim());
      // A reconnect replays from the outbox: the same one message, once.
      const again = await new WebClient(gateway.url, WEB_TOKEN, client.clientId).connect();
      await again.waitForMessages(1);
      await sleep(300);
      expect(again.messages().map((m) => m.text)).toEqual(['an answer written word by word']);
      again.close();
    } finally {
      client.close();
    }
  }, 60_000);
});
