import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChannelAdapter } from '../../core/contract.js';
import type { ChannelContext } from '../../core/module.js';
import { SqliteAuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { createWorkspaceFiles } from '../../sessions/workspace/index.js';
import { WhatsAppDouble } from '../../test/doubles/whatsapp.js';
import { tempDir } from '../../test/harness.js';
import { until } from '../../test/wait.js';
import { sqliteAuthState } from './auth-state.js';
import { whatsappSchema } from './config.js';
import { whatsapp } from './index.js';

function stores() {
  const db = openDatabase(join(tempDir(), 'parley.db'));
  const store = new SqliteAuthStateStore(db, 'whatsapp:default');
  return { store, probeStores: { authState: () => store } };
}

const probe = (probeStores: ReturnType<typeof stores>['probeStores']) =>
  whatsapp.probe!(whatsappSchema.parse({ enabled: true }), {
    signal: new AbortController().signal,
    stores: probeStores,
  });

describe('WhatsApp module', () => {
  it('doctor: an abandoned pairing (keys, no linked account) is not "credentials stored"', async () => {
    const { store, probeStores } = stores();
    expect(await probe(probeStores)).toMatchObject({ ok: false });
    const auth = sqliteAuthState(store);
    auth.saveCreds(); // what a QR shown and never scanned leaves behind
    await auth.state.keys.set({
      'pre-key': { '1': { public: Buffer.alloc(32), private: Buffer.alloc(32) } },
    });
    expect(store.size()).toBeGreaterThan(1);
    expect(await probe(probeStores)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('not paired'),
    });
    auth.state.creds.me = { id: '4915112345678:3@s.whatsapp.net' };
    auth.saveCreds();
    expect(await probe(probeStores)).toMatchObject({ ok: true });
  });

  it('draws the pairing QR on the operator terminal when Parley runs in one', async () => {
    const { store } = stores();
    const wa = new WhatsAppDouble();
    const drawn: string[] = [];
    const dataDir = tempDir();
    const ctx: ChannelContext<unknown> = {
      config: whatsappSchema.parse({ enabled: true }),
      dataDir,
      log: pino({ level: 'silent' }),
      http: undefined,
      files: createWorkspaceFiles(dataDir),
      stores: {
        authState: () => store,
        webOutbox: undefined as never,
        moveConversation: async () => 0,
      },
      commands: [],
      seams: { whatsappSocketFactory: wa.factory },
      onStop: () => {},
      tty: { write: (text) => void drawn.push(text) },
    };
    const channel: ChannelAdapter = await whatsapp.create(ctx as never);
    await channel.start({ accept: async () => ({ duplicate: false }) });
    await wa.waitForSockets(1);
    wa.current.qr('2@scan-me,ref');
    await until(() => drawn.length === 1, 3000);
    expect(drawn[0]).toContain('Linked devices');
    expect(drawn[0]).toMatch(/[▀▄█]/); // a drawn QR, not the raw string
    await channel.stop();
  });
});
