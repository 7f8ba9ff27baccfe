import { join } from 'node:path';
import { BufferJSON, initAuthCreds, proto } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { tempDir } from '../../test/harness.js';
import { sqliteAuthState } from './auth-state.js';

function openStore(path: string) {
  const db = openDatabase(path);
  return { db, store: new AuthStateStore(db, 'whatsapp:default') };
}

describe('WhatsApp auth state in SQLite', () => {
  it('round-trips real creds and a Signal key update across a restart', async () => {
    const path = join(tempDir(), 'parley.db');
    const first = openStore(path);
    const auth = sqliteAuthState(first.store);
    const fresh = initAuthCreds();
    expect(Buffer.isBuffer(auth.state.creds.noiseKey.private)).toBe(true);
    Object.assign(auth.state.creds, { me: { id: '4915112345678:12@s.whatsapp.net' } });
    auth.saveCreds();
    const preKey = { public: Buffer.from('pub-key-bytes'), private: Buffer.from('priv-key-bytes') };
    await auth.state.keys.set({
      'pre-key': { '1': preKey, '2': preKey },
      session: { '4917600000001.0': Buffer.from([9, 8, 7]) },
      'app-state-sync-key': {
        AAAAAQ: { keyData: Buffer.from('sync-key'), timestamp: 1763791200 },
      },
    });
    // a key update: one pre-key consumed (deleted), the session replaced
    await auth.state.keys.set({
      'pre-key': { '1': null },
      session: { '4917600000001.0': Buffer.from([1, 1, 1, 1]) },
    });
    const stored = first.store.get('creds')!;
    expect(JSON.parse(stored).noiseKey.private).toMatchObject({ type: 'Buffer' });
    first.db.close();

    const second = openStore(path);
    const restored = sqliteAuthState(second.store);
    expect(restored.paired()).toBe(true);
    const creds = restored.state.creds;
    expect(Buffer.compare(creds.noiseKey.private, auth.state.creds.noiseKey.private)).toBe(0);
    expect(Buffer.isBuffer(creds.signedPreKey.signature)).toBe(true);
    expect(creds.registrationId).toBe(auth.state.creds.registrationId);
    expect(creds.advSecretKey).toBe(auth.state.creds.advSecretKey);
    expect(creds.advSecretKey).not.toBe(fresh.advSecretKey);
    const preKeys = await restored.state.keys.get('pre-key', ['1', '2']);
    expect(preKeys['1']).toBeUndefined();
    expect(Buffer.from(preKeys['2']!.private).toString()).toBe('priv-key-bytes');
    const sessions = await restored.state.keys.get('session', ['4917600000001.0']);
    expect([...sessions['4917600000001.0']!]).toEqual([1, 1, 1, 1]);
    const sync = await restored.state.keys.get('app-state-sync-key', ['AAAAAQ']);
    expect(sync.AAAAAQ).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync.AAAAAQ!.keyData!).toString()).toBe('sync-key');
    // same serialisation as Baileys' own BufferJSON
    expect(JSON.parse(stored, BufferJSON.reviver).noiseKey.private).toEqual(creds.noiseKey.private);
    second.db.close();
  });

  it('writes a key batch in one transaction: all or nothing', async () => {
    const { db, store } = openStore(join(tempDir(), 'parley.db'));
    const auth = sqliteAuthState(store);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON auth_state
      WHEN NEW.key = 'key:session:poison' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    expect(() =>
      auth.state.keys.set({
        'pre-key': { '5': { public: Buffer.from('a'), private: Buffer.from('b') } },
        session: { poison: Buffer.from([1]) },
      }),
    ).toThrow(/disk full/);
    expect(store.size()).toBe(0);
    db.close();
  });

  it('clear() forgets the pairing and starts from fresh credentials', () => {
    const { db, store } = openStore(join(tempDir(), 'parley.db'));
    const auth = sqliteAuthState(store);
    const oldNoise = auth.state.creds.noiseKey.public;
    Object.assign(auth.state.creds, { me: { id: '1@s.whatsapp.net' } });
    auth.saveCreds();
    auth.clear();
    expect(store.size()).toBe(0);
    expect(auth.paired()).toBe(false);
    expect(Buffer.compare(auth.state.creds.noiseKey.public, oldNoise)).not.toBe(0);
    db.close();
  });
  it('reloads the credentials another holder of the connection stored (a take-over)', () => {
    const path = join(tempDir(), 'parley.db');
    const standby = openStore(path);
    const waiting = sqliteAuthState(standby.store);
    const before = waiting.state.creds;
    // Unpaired and nothing stored: reload keeps the in-memory credentials being paired.
    waiting.reload();
    expect(waiting.state.creds).toBe(before);
    const holder = openStore(path);
    const active = sqliteAuthState(holder.store);
    Object.assign(active.state.creds, { me: { id: '4915112345678:3@s.whatsapp.net' } });
    active.saveCreds();
    expect(waiting.paired()).toBe(false);
    waiting.reload();
    expect(waiting.paired()).toBe(true);
    expect(Buffer.from(waiting.state.creds.noiseKey.private)).toEqual(
      Buffer.from(active.state.creds.noiseKey.private),
    );
    standby.db.close();
    holder.db.close();
  });
});
