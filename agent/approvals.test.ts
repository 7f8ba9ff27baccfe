/**
 * "Allow this command for the session": a shell call's programs become a grant of
 * their own, so the same command (any arguments) runs without asking again while
 * another command still asks. Real SQLite store on a temp file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStores } from '../sessions/sqlite/index.js';
import {
  ApprovalService,
  approvalButtons,
  commandGrantKey,
  parseApprovalAnswer,
} from './approvals.js';

const shell = (command: string) => JSON.stringify({ command });

describe('allow this command for the session', () => {
  it('names a command by its programs, and refuses to name what it cannot see', () => {
    expect(commandGrantKey('shell', shell('ls -l | grep x'))).toBe('shell:grep ls');
    expect(commandGrantKey('shell', shell('grep y f | ls'))).toBe('shell:grep ls');
    expect(commandGrantKey('shell', shell('eval "$X"'))).toBeUndefined();
    expect(commandGrantKey('run_code', shell('ls'))).toBeUndefined();
  });

  it('reads "allow <id> command" and its button as approve + command', () => {
    expect(parseApprovalAnswer({ text: 'allow AB12CD command' })).toEqual({
      id: 'AB12CD',
      answer: 'approve',
      command: true,
    });
    const button = approvalButtons('AB12CD', true).find((b) => b.data.endsWith(':command'))!;
    expect(parseApprovalAnswer({ text: '', action: { data: button.data } })?.command).toBe(true);
    expect(approvalButtons('AB12CD').some((b) => b.data.endsWith(':command'))).toBe(false);
  });

  it('grants the same programs for the session, not the whole tool', async () => {
    const stores = openSqliteStores(join(mkdtempSync(join(tmpdir(), 'parley-approvals-')), 'p.db'));
    const session = await stores.sessions.active({
      key: 'web:local:c',
      channel: 'web',
      conversationId: 'c',
      chatType: 'dm',
    });
    const service = new ApprovalService(stores.approvals, {
      timeoutMs: 60_000,
      approver: 'owner',
      isOwner: () => true,
    });
    const request = (command: string, inboxId: number) => ({
      inboxId,
      sessionId: session.id,
      conversationKey: 'web:local:c',
      channel: 'web',
      target: { channel: 'web', conversationId: 'c' },
      tool: 'shell',
      args: shell(command),
      requestedBy: 'web:owner',
    });
    let presented = '';
    const present = async (approval: { id: string }) => {
      presented = approval.id;
    };
    const presentedOnce = async () => {
      for (let i = 0; i < 100 && !presented; i++) await new Promise((r) => setImmediate(r));
    };
    const first = service.decide(request('ls -la', 1) as never, present);
    await presentedOnce();
    expect((await service.answer(presented, 'command', 'web:owner')).text).toMatch(
      /allowed ls \(shell\)/,
    );
    expect(await first).toBe('approved');
    expect(await service.decide(request('ls /tmp', 2) as never, present)).toBe('approved');
    presented = '';
    const other = service.decide(request('cat /etc/hosts', 3) as never, present);
    await presentedOnce();
    expect(presented).not.toBe(''); // asks again
    await service.answer(presented, 'deny', 'web:owner');
    expect(await other).toBe('denied');
    await stores.close();
  });
});
