/**
 * A user's data purge on a real SQLite data set with real workspace files: the
 * files their inbox rows' attachments were saved as go with the rows; other users'
 * files, and anything outside the workspaces a row may name, stay.
 */
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../core/contract.js';
import { tempDir } from '../test/harness.js';
import { openSqliteStores } from './sqlite/index.js';
import { exportUserData, purgeUserData } from './user-data.js';
import { createWorkspaceFiles, workspaceFor } from './workspace/index.js';

const photoFrom = (user: string, id: string, path: string): InboundMessage => ({
  channel: 'telegram',
  account: 'default',
  conversationId: user,
  sender: { id: user },
  chatType: 'dm',
  mentionsBot: false,
  repliesToBot: false,
  text: 'look',
  attachments: [{ kind: 'image', mimeType: 'image/jpeg', path }],
  platformMessageId: id,
  timestamp: 0,
});

describe('purgeUserData', () => {
  it("deletes the user's inbox rows with the files of their attachments, and nothing else", async () => {
    const dataDir = tempDir();
    const stores = openSqliteStores(join(dataDir, 'parley.db'));
    const files = createWorkspaceFiles(dataDir);
    const mine = await files.saveInbound('telegram:default:42', 'photo.jpg', Buffer.from('me'));
    const theirs = await files.saveInbound('telegram:default:7', 'photo.jpg', Buffer.from('x'));
    // A row naming a link planted in the workspace, and one naming a file outside it.
    const outside = join(tempDir(), 'keep.txt');
    writeFileSync(outside, 'not parley data');
    const link = join(workspaceFor(dataDir, 'telegram:default:42'), 'planted.jpg');
    symlinkSync(outside, link);
    await stores.inbox.accept(photoFrom('42', 'a', mine), 'telegram:default:42');
    await stores.inbox.accept(photoFrom('42', 'b', link), 'telegram:default:42');
    await stores.inbox.accept(photoFrom('42', 'c', outside), 'telegram:default:42');
    await stores.inbox.accept(photoFrom('7', 'd', theirs), 'telegram:default:7');

    const exported = await exportUserData(stores, 'telegram', '42');
    expect(exported.inbox.flatMap((row) => row.files)).toEqual([mine, link, outside]);
    const purged = await purgeUserData(stores, 'telegram', '42', { dataDir });
    expect(purged).toMatchObject({ inbox: 3, files: 2 });
    expect(existsSync(mine)).toBe(false);
    expect(existsSync(link)).toBe(false); // the link itself, not what it points to
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(theirs)).toBe(true);
    expect((await exportUserData(stores, 'telegram', '42')).inbox).toEqual([]);
    expect((await exportUserData(stores, 'telegram', '7')).inbox).toHaveLength(1);
    await stores.close();
  });
});
