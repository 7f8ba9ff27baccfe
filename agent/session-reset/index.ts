/**
 * When a conversation starts a new session by itself (`history.reset`, per channel
 * `history.resetByChannel`): after `idleHours` without a message, daily at `at` in
 * `timezone`, or only by `/reset` (manual). Checked when a message arrives, so no
 * timer runs: the first message after the boundary opens the fresh session.
 *
 * @example
 * ```yaml
 * history:
 *   reset: { mode: daily, at: "04:00", timezone: Europe/Berlin }
 *   resetByChannel:
 *     web: { mode: idle, idleHours: 2 }
 * ```
 */
import type { Session, SessionInit } from '../../sessions/records.js';
import type { SessionStore } from '../../sessions/stores.js';
import type { HistoryConfig, ResetConfig } from '../config.js';

export const resetRuleFor = (history: HistoryConfig, channel: string): ResetConfig =>
  history.resetByChannel[channel] ?? history.reset;

/** True when the rule says `session` is over at `now` (its last message is before the boundary). */
export async function isStale(
  session: Session,
  rule: ResetConfig,
  now = Date.now(),
): Promise<boolean> {
  const last = session.lastAt ?? session.createdAt;
  switch (rule.mode) {
    case 'manual':
      return false;
    case 'idle':
      return now - last >= rule.idleHours * 3_600_000;
    case 'daily': {
      // croner (and the time zone data it uses) loads only when a daily rule is used.
      const { Cron } = await import('croner');
      const [hour, minute] = rule.at.split(':').map(Number);
      const boundary = new Cron(`${minute} ${hour} * * *`, { timezone: rule.timezone }).nextRun(
        new Date(last),
      );
      return boundary !== null && boundary.getTime() <= now;
    }
  }
}

/**
 * The conversation's open session, after ending it when the rule says it is over.
 * `ended` is true when a stale session was closed here.
 */
export async function openSession(
  sessions: SessionStore,
  init: SessionInit,
  rule: ResetConfig,
): Promise<{ session: Session; ended: boolean }> {
  const session = await sessions.active(init);
  if (!(await isStale(session, rule))) return { session, ended: false };
  await sessions.end(init.key);
  return { session: await sessions.active(init), ended: true };
}
