/**
 * `parley sessions list | export <channel:user> [file] | purge <channel:user>`.
 *
 * `list` prints, first on each line, the id the other two accept: `channel:user`
 * for a direct conversation; a group's line names its conversation and says that
 * export and purge work per member. A `channel:user` with nothing stored exits 1
 * with a message, so a typo never looks like a successful purge.
 */
import { writeFileSync } from 'node:fs';
import { exportUserData, purgeUserData } from '../sessions/user-data.js';
import type { ParleyConfig } from './config/schema.js';
import { openStores } from './stores.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const PAGE = 50;

export async function sessionsCommand(args: string[], config: ParleyConfig): Promise<number> {
  const [action, who, file] = args;
  if (action !== 'list' && action !== 'export' && action !== 'purge') return usage();
  const stores = await openStores(config);
  try {
    const store = stores.sessions;
    if (action === 'list') {
      const sessions = await store.list({ limit: PAGE, offset: 0 });
      if (sessions.length === 0) out('No sessions yet.');
      for (const s of sessions) {
        const id = s.userId ? `${s.channel}:${s.userId}` : `${s.channel} group ${s.conversationId}`;
        const when = s.lastAt
          ? new Date(s.lastAt).toISOString().slice(0, 16).replace('T', ' ')
          : '';
        out(
          `${id}  #${s.id}  ${s.chatType}  ${s.messages} messages  ${when}${s.endedAt ? '  (ended)' : ''}`,
        );
      }
      if (sessions.length === PAGE)
        out(`(the ${PAGE} most recent; export a user to see all of theirs)`);
      return 0;
    }
    const match = who ? /^([a-z][a-z0-9_-]*):(.+)$/.exec(who) : null;
    if (!match) {
      err(
        `Expected <channel:user>, e.g. telegram:12345 (the first column of "parley sessions list").`,
      );
      return 2;
    }
    const [, channel, userId] = match as unknown as [string, string, string];
    const data = await exportUserData(stores, channel, userId);
    const jobs = await stores.jobs.list({ owner: `${channel}:${userId}`, limit: 1 });
    const stored =
      data.sessions.length +
      data.messagesInGroups.length +
      data.inbox.length +
      data.memories.length;
    if (stored + jobs.length === 0) {
      err(`Nothing stored for ${channel}:${userId}. "parley sessions list" shows the ids.`);
      return 1;
    }
    if (action === 'export') {
      const text = JSON.stringify(data, null, 2);
      if (file) {
        writeFileSync(file, text);
        out(`Exported ${channel}:${userId} to ${file}.`);
      } else out(text);
      return 0;
    }
    const result = await purgeUserData(stores, channel, userId, { dataDir: config.dataDir });
    const purgedJobs = await stores.jobs.purgeOwner(`${channel}:${userId}`);
    out(
      `Purged ${result.sessions} sessions, ${result.messages} messages, ${result.inbox} inbox rows (${result.files} files), ${result.memories} memories and ${purgedJobs} scheduled jobs of ${channel}:${userId}.`,
    );
    return 0;
  } finally {
    await stores.close();
  }
}

function usage(): number {
  err('Usage: parley sessions list | export <channel:user> [file] | purge <channel:user>');
  return 2;
}
