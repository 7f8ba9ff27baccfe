import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../core/contract.js';
import { openSqliteStores, type SqliteStores } from '../sessions/sqlite/index.js';
import { tempDir } from '../test/harness.js';
import { memorySchema } from '../tools/memory/config.js';
import { memoryCommand, memorySection } from './memory.js';

const message = (text: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'test',
  account: 'a',
  conversationId: 'alice',
  sender: { id: 'alice' },
  chatType: 'dm',
  mentionsBot: false,
  repliesToBot: false,
  text,
  attachments: [],
  platformMessageId: 'p',
  timestamp: 0,
  ...extra,
});
const scope = (m: InboundMessage) => ({
  message: m,
  principal: `test:${m.sender.id}`,
  conversationKey: 'k',
});

describe('memories in the turn', () => {
  let stores: SqliteStores;
  afterEach(() => stores?.close());

  it('offers the best matches within the token budget, and nothing when none match', async () => {
    stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const alice = { channel: 'test', userId: 'alice' };
    await stores.memory.add(alice, 'Allergic to peanuts');
    for (let i = 0; i < 20; i++)
      await stores.memory.add(alice, `Peanuts fact number ${i} ${'x'.repeat(30)}`);
    // 40 tokens ≈ 160 characters: the header is free, each line costs its length.
    const section = memorySection(
      stores.memory,
      memorySchema.parse({ promptTokens: 40, promptMax: 8 }),
    );
    const text = (await section(scope(message('Can I eat peanuts?'))))!;
    const lines = text.split('\n').slice(1);
    expect(lines[0]).toMatch(/^- #1: Allergic to peanuts$/);
    expect(lines.join('\n').length).toBeLessThanOrEqual(160);
    expect(lines).toHaveLength(3); // 26 + 2 × 55 characters fit, a fourth would not
    expect(await section(scope(message('what time is it')))).toBeUndefined();
    const none = memorySection(stores.memory, memorySchema.parse({ promptTokens: 0 }));
    expect(await none(scope(message('peanuts')))).toBeUndefined();
  });

  it('keeps groups apart with memory.groups: off, in the prompt and in /memory', async () => {
    stores = openSqliteStores(join(tempDir(), 'parley.db'));
    const config = memorySchema.parse({ groups: 'off' });
    await stores.memory.add({ channel: 'test', userId: 'alice' }, 'Allergic to peanuts');
    const group = message('peanuts?', { chatType: 'group', conversationId: 'g' });
    expect(await memorySection(stores.memory, config)(scope(group))).toBeUndefined();
    const command = memoryCommand(stores.memory, config);
    const context = {
      principal: 'test:alice',
      senderName: undefined,
      role: 'allowed' as const,
      conversationKey: 'test:a:g',
      chatType: 'group' as const,
      conversationId: 'g',
      resetSession: async () => false,
      status: async () => ({}),
    };
    expect(await command.run(context, '')).toBe('Memory is off in group chats.');
    expect(
      await command.run({ ...context, chatType: 'dm', conversationId: 'alice' }, ''),
    ).toContain('Allergic to peanuts');
    expect(await command.run({ ...context, chatType: 'dm' }, 'forget abc')).toBe(
      'Usage: /memory forget <id>',
    );
  });
});
