/**
 * Constant-time comparison of two secrets of any length (webhook secrets, access
 * tokens): both are hashed first, so neither their content nor their length leaks
 * through timing. Shared by the channels' webhooks and Parley's HTTP token check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}
