/**
 * Compaction on a real SQLite store with the model behind the OpenAI double: a long
 * backlog is summarised a bounded chunk per turn, each chunk ends at a turn boundary,
 * and the model always gets a history within the limits.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { estimateTokens } from '../../sessions/history.js';
import { openSqliteStores, type SqliteStores } from '../../sessions/sqlite/index.js';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai.js';
import { tempDir } from '../../test/harness.js';
import { llmSchema } from '../config.js';
import { OpenAIChatModel } from '../llm.js';
import { turnHistory } from './index.js';

let stores: SqliteStores;
let llm: OpenAIDouble;
beforeAll(async () => {
  stores = openSqliteStores(join(tempDir(), 'parley.db'));
  llm = await startOpenAIDouble();
  let count = 0;
  llm.fallback = () => ({ text: `summary ${++count}` });
});
afterAll(async () => {
  await stores.close();
  await llm.close();
});

it('summarises a long backlog a chunk per turn, always within the limits', async () => {
  const model = new OpenAIChatModel(llmSchema.parse({ baseUrl: llm.baseUrl, apiKey: 'k' }));
  const init = { key: 'web:long', channel: 'web', conversationId: 'long', chatType: 'dm' as const };
  const { sessions } = stores;
  const session = await sessions.active(init);
  for (let i = 0; i < 60; i++)
    await sessions.addTurn(session.id, i, [
      { role: 'user', content: `question ${i} ${'q'.repeat(200)}` },
      { role: 'assistant', content: `answer ${i} ${'a'.repeat(200)}` },
    ]);
  const limits = { maxMessages: 20, maxTokens: 1000 };
  const next = { role: 'user' as const, content: 'and now?' };
  const deps = { sessions, model, log: pino({ level: 'silent' }), enabled: true };
  const through: number[] = [];
  for (let turn = 0; turn < 10; turn++) {
    const current = (await sessions.get(session.id))!;
    const { history } = await turnHistory(current, limits, next, deps);
    const tokens = history.reduce((sum, m) => sum + estimateTokens(m), 0);
    expect(history.length).toBeLessThanOrEqual(limits.maxMessages);
    expect(tokens).toBeLessThanOrEqual(limits.maxTokens);
    expect(history[0]!.role).toBe('user');
    expect(history.at(-1)).toBe(next);
    const summary = (await sessions.get(session.id))!.summary;
    if (summary && summary.throughId !== through.at(-1)) through.push(summary.throughId);
  }
  // Several chunks, each a bounded piece of the backlog: the first covers turns 0..k.
  expect(through.length).toBeGreaterThan(2);
  const first = llm.requests[0]!.body.messages[1]!.content as string;
  expect(first).toContain('user: question 0 ');
  expect(first.length).toBeLessThan(1000 * 2 * 4 + 2000);
  expect(first).not.toContain('question 59');
  // Later chunks build on the previous summary.
  expect(llm.requests[1]!.body.messages[1]!.content).toContain('Summary so far:\nsummary 1');
  // Each chunk ends after an answer: what stays starts with a user message.
  const transcript = await sessions.transcript(session.id);
  for (const id of through) {
    const index = transcript.findIndex((m) => m.id === id);
    expect(transcript[index]!.role).toBe('assistant');
    expect(transcript[index + 1]!.role).toBe('user');
  }
});
