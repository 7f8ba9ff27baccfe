import { join } from 'node:path';
import type { WAMessage } from '@whiskeysockets/baileys';
import pino from 'pino';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import {
  type ContractSetup,
  channelContract,
  type InjectKind,
} from '../../test/contract/channel.js';
import { fixture, WhatsAppDouble } from '../../test/doubles/whatsapp.js';
import { tempDir } from '../../test/harness.js';
import { WhatsAppChannel } from './adapter.js';
import { whatsappSchema } from './config.js';

const FIXTURE: Record<InjectKind, string> = {
  dm: 'dm-text',
  groupMention: 'group-mention',
  groupPlain: 'group-plain',
  threadReply: 'group-reply-to-bot',
};

let counter = 0;

/** A captured message of `kind` carrying `text` (and a fresh id). */
function message(kind: InjectKind, text: string): WAMessage {
  const raw = fixture<{ messages: WAMessage[] }>(FIXTURE[kind]).messages[0]!;
  raw.key.id = `3A${(++counter).toString(16).padStart(18, '0')}`;
  const content = raw.message!;
  if (content.conversation !== undefined) content.conversation = text;
  else
    content.extendedTextMessage!.text = kind === 'groupMention' ? `@98765432101234 ${text}` : text;
  return raw;
}

channelContract(
  'whatsapp',
  {
    async setup(): Promise<ContractSetup> {
      const dataDir = tempDir();
      const db = openDatabase(join(dataDir, 'parley.db'));
      const wa = new WhatsAppDouble({ autoOpen: true });
      const adapter = new WhatsAppChannel({
        config: whatsappSchema.parse({
          enabled: true,
          rateLimits: { perChatMinMs: 0, messagesPerMinute: 1000 },
        }),
        files: workspaceFiles(dataDir),
        authStore: new AuthStateStore(db, 'whatsapp:default'),
        log: pino({ level: 'silent' }),
        socketFactory: wa.factory,
      });
      return {
        adapter,
        inject: async (kind, text) => wa.current.upsert([message(kind, text)]),
        sent: () => wa.sent().map((s) => ({ conversationId: s.jid, text: s.text })),
        shown: () => wa.received().map((s) => ({ conversationId: s.jid, text: s.text })),
        fail429Once: (seconds) => wa.failRateOverlimitOnce(seconds),
        target: {
          account: 'default',
          conversationId: '4917600000001@s.whatsapp.net',
          chatType: 'dm',
        },
        teardown: async () => {
          db.close();
        },
      };
    },
  },
  {
    skip: [
      { cases: ['thread'], reason: 'WhatsApp has no threads (a reply quotes a message instead)' },
      { cases: ['edit'], reason: 'Parley does not edit sent WhatsApp messages' },
    ],
  },
);
