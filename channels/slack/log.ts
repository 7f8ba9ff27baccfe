/**
 * Bridges the `@slack/logger` interface (used by Bolt, the WebClient and the Socket
 * Mode client) to Parley's pino logger, so Slack's own messages land in the same
 * redacted log. Slack's info chatter goes to debug; warnings and errors stay.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from 'pino';

export function slackLogger(log: Logger): SlackLogger {
  const text = (parts: unknown[]) =>
    parts.map((p) => (p instanceof Error ? p.message : String(p))).join(' ');
  return {
    debug: (...msg: unknown[]) => log.debug(text(msg)),
    info: (...msg: unknown[]) => log.debug(text(msg)),
    warn: (...msg: unknown[]) => log.warn(text(msg)),
    error: (...msg: unknown[]) => log.error(text(msg)),
    setLevel: () => {},
    getLevel: () => (log.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => {},
  };
}
