/** Scheduled-job inputs for tests on the TestChannel (`test/doubles/test-channel.ts`). */
import type { CreateJob } from '../agent/scheduler/service.js';

/** The TestChannel's DM with user-1, whose principal is `test:user-1`. */
export const DM = {
  owner: 'test:user-1',
  conversationKey: 'test:bot:user-1',
  target: { channel: 'test', account: 'bot', conversationId: 'user-1', chatType: 'dm' as const },
};

/** A job in that DM (or, with `conversationId`, in another conversation of the channel). */
export function testJob(
  input: Omit<CreateJob, 'owner' | 'conversationKey' | 'target'>,
  where: { conversationId?: string; chatType?: 'dm' | 'group' } = {},
): CreateJob {
  if (!where.conversationId) return { ...DM, ...input };
  const target = { ...DM.target, chatType: 'dm' as const, ...where };
  return { ...input, owner: DM.owner, conversationKey: `test:bot:${where.conversationId}`, target };
}
