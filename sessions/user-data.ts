/**
 * Everything Parley keeps about one user, as `parley sessions export` and the admin
 * export hand it out, and as `parley sessions purge` deletes it: their sessions and
 * messages ({@link SessionStore.exportUser}) and their memories ({@link MemoryStore}).
 */
import type { Memory, MemoryStore, SessionStore, UserExport } from './stores.js';

export interface UserData extends UserExport {
  memories: Memory[];
}

type UserStores = { sessions: SessionStore; memory: MemoryStore };

export async function exportUserData(
  stores: UserStores,
  channel: string,
  userId: string,
): Promise<UserData> {
  const exported = await stores.sessions.exportUser(channel, userId);
  return { ...exported, memories: await stores.memory.exportUser(channel, userId) };
}

export async function purgeUserData(
  stores: UserStores,
  channel: string,
  userId: string,
): Promise<{ sessions: number; messages: number; inbox: number; memories: number }> {
  const purged = await stores.sessions.purgeUser(channel, userId);
  return { ...purged, memories: await stores.memory.purgeUser(channel, userId) };
}
