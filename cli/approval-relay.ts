/**
 * Tool approvals across nodes: the turn waiting for an approval runs on one worker,
 * while the owner's answer (a button, a reply code, the admin page) may reach any
 * node. Each decision is announced on the cluster bus, and every node releases the
 * turns it has waiting for that approval (the decision itself is already stored).
 */
import type { Logger } from 'pino';
import type { ApprovalService } from '../agent/approvals.js';
import type { MessageBus } from '../sessions/stores.js';

const TOPIC = 'parley_approvals';

/** Wires `approvals` to `bus`; returns the unsubscribe. */
export async function relayApprovals(
  approvals: ApprovalService,
  bus: MessageBus,
  log: Logger,
): Promise<() => Promise<void>> {
  approvals.onChange((approval) => {
    if (approval.status !== 'pending') void bus.publish(TOPIC, approval.id);
  });
  return bus.subscribe(TOPIC, (id) => {
    void approvals
      .decidedElsewhere(id)
      .catch((error) => log.warn({ err: error, approval: id }, 'approval relay failed'));
  });
}
