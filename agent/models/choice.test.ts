/** A conversation's model choice on a real SQLite meta store. */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStores, type SqliteStores } from '../../sessions/sqlite/index.js';
import { tempDir } from '../../test/harness.js';
import { llmSchema } from '../config.js';
import { ModelChoice } from './choice.js';

let stores: SqliteStores;
beforeEach(() => {
  stores = openSqliteStores(join(tempDir(), 'parley.db'));
});
afterEach(() => stores.close());

const llm = (extra: Record<string, unknown> = {}) =>
  llmSchema.parse({
    model: 'big',
    fallbacks: [
      { model: 'small' },
      { name: 'local', model: 'llama', baseUrl: 'http://127.0.0.1:1/v1' },
    ],
    channels: { telegram: 'local' },
    ...extra,
  });

it('falls back from the conversation to the channel to the primary', async () => {
  const choice = new ModelChoice(llm(), stores.meta);
  expect(choice.names).toEqual(['big', 'small', 'local']);
  expect(await choice.current('telegram:1', 'telegram')).toBe('local');
  expect(await choice.current('web:1', 'web')).toBe('big');
  await choice.choose('telegram:1', 'small');
  expect(await choice.current('telegram:1', 'telegram')).toBe('small');
  expect(await choice.current('telegram:2', 'telegram')).toBe('local');
  await choice.choose('telegram:1', undefined);
  expect(await choice.current('telegram:1', 'telegram')).toBe('local');
});

it('ignores a stored choice that is no longer configured', async () => {
  await new ModelChoice(llm(), stores.meta).choose('web:1', 'small');
  const later = new ModelChoice(llm({ fallbacks: [], channels: {} }), stores.meta);
  expect(await later.current('web:1', 'web')).toBe('big');
});
