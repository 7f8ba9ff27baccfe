/**
 * Loads the captured Slack payloads in `fixtures/` (for tests, the contract suite and
 * the e2e run). Each call returns a fresh copy, so tests may modify it.
 */
import { readFileSync } from 'node:fs';

export type FixtureName =
  | 'app_mention'
  | 'message_im'
  | 'message_channel'
  | 'message_thread_reply'
  | 'message_own'
  | 'message_bot'
  | 'message_changed'
  | 'block_actions'
  | 'url_verification';

export function loadFixture<T = Record<string, unknown>>(name: FixtureName): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
}
