/**
 * Everything Parley keeps about one user, as `parley sessions export` and the admin
 * export hand it out, and as `parley sessions purge` deletes it: their sessions and
 * messages, their inbox rows ({@link SessionStore.exportUser}), their memories
 * ({@link MemoryStore}) and, given the data folder, the workspace files their inbox
 * rows' attachments were saved as (images, documents, voice notes).
 */

import type { Memory, MemoryStore, SessionStore, UserExport } from './stores.js';
import { removeInboundFiles } from './workspace/index.js';

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

/**
 * Deletes what {@link exportUserData} returns. With `dataDir`, the files of the
 * user's inbox rows go too, once the rows are gone (a failed purge keeps both).
 */
export async function purgeUserData(
  stores: UserStores,
  channel: string,
  userId: string,
  options: { dataDir?: string } = {},
): Promise<{ sessions: number; messages: number; inbox: number; memories: number; files: number }> {
  const { inbox } = await stores.sessions.exportUser(channel, userId);
  const purged = await stores.sessions.purgeUser(channel, userId);
  const memories = await stores.memory.purgeUser(channel, userId);
  const paths = inbox.flatMap((row) => row.files ?? []);
  const files = options.dataDir ? await removeInboundFiles(options.dataDir, paths) : 0;
  return { ...purged, memories, files };
}
