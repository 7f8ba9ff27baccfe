import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalService } from '../agent/approvals.js';
import { openPostgresStores, type PostgresStores } from '../sessions/postgres/index.js';
import { freshSchema, postgres } from '../test/postgres.js';
import { relayApprovals } from './approval-relay.js';

const opened: PostgresStores[] = [];
afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.close();
});

describe.skipIf(!postgres.available)(`approvals across nodes ${postgres.skipReason}`, () => {
  it('releases a turn waiting on node B when the owner answers on node A', async () => {
    const url = await freshSchema();
    const node = async () => {
      const stores = await openPostgresStores(url);
      opened.push(stores);
      const service = new ApprovalService(stores.approvals, {
        timeoutMs: 60_000,
        approver: 'owner',
        isOwner: (principal) => principal === 'test:owner',
      });
      await relayApprovals(service, stores.bus, pino({ level: 'silent' }));
      return service;
    };
    const [a, b] = [await node(), await node()];
    let shown = '';
    const waiting = b.decide(
      {
        inboxId: 1,
        sessionId: 1,
        conversationKey: 'test:a:c',
        channel: 'test',
        target: { account: 'a', conversationId: 'c' },
        tool: 'shell',
        args: '{"cmd":"ls"}',
        requestedBy: 'test:u',
      },
      async (approval) => {
        shown = approval.id;
      },
    );
    await expect.poll(() => shown).not.toBe('');
    expect(await a.answer(shown, 'approve', 'test:owner')).toMatchObject({ ok: true });
    await expect(waiting).resolves.toBe('approved');
    a.close();
    b.close();
  });
});
