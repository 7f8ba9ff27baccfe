import { join } from 'node:path';
import type { ConnectionState } from '@whiskeysockets/baileys';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { fixture, WhatsAppDouble } from '../../test/doubles/whatsapp.js';
import { tempDir } from '../../test/harness.js';
import { until as poll } from '../../test/wait.js';
import { sqliteAuthState } from './auth-state.js';
import { whatsappSchema } from './config.js';
import { loginWhatsApp } from './login.js';

const until = (condition: () => boolean, timeoutMs = 3000) => poll(condition, timeoutMs);

function setup(phone?: string, config: Record<string, unknown> = {}) {
  const db = openDatabase(join(tempDir(), 'parley.db'));
  const store = new AuthStateStore(db, 'whatsapp:default');
  const wa = new WhatsAppDouble();
  const lines: string[] = [];
  const qrs: string[] = [];
  const login = loginWhatsApp({
    config: whatsappSchema.parse({ reconnect: { initialDelayMs: 5 }, ...config }),
    authStore: store,
    log: pino({ level: 'silent' }),
    out: (line) => lines.push(line),
    renderQr: (qr) => qrs.push(qr),
    socketFactory: wa.factory,
    phone,
  });
  return { store, wa, lines, qrs, login };
}

describe('parley channels login whatsapp', () => {
  it('shows each rotated QR, survives the 515 restart and reports the paired number', async () => {
    const { store, wa, lines, qrs, login } = setup();
    await wa.waitForSockets(1);
    wa.current.qr('2@first');
    wa.current.qr('2@rotated');
    expect(qrs).toEqual(['2@first', '2@rotated']);
    wa.current.emit('creds.update', { me: { id: '4915112345678:3@s.whatsapp.net' } });
    wa.current.update(fixture<Partial<ConnectionState>>('close-restart-required'));
    const second = await wa.waitForSockets(2);
    second.open({ id: '4915112345678:3@s.whatsapp.net' });
    await expect(login).resolves.toEqual({ number: '4915112345678' });
    expect(lines.join('\n')).toContain('Restarting the connection');
    expect(second.ended).toBe(true);
    // the next start finds the pairing in SQLite: no QR needed
    expect(sqliteAuthState(store).paired()).toBe(true);
  });

  it('asks WhatsApp for a pairing code with --phone', async () => {
    const { wa, lines, qrs, login } = setup('+49 151 12345678');
    await wa.waitForSockets(1);
    wa.current.qr();
    await until(() => lines.some((l) => l.includes('PRLY-2345')));
    wa.current.qr(); // rotation on the same socket: no second code
    expect(wa.current.pairingCodes).toEqual(['4915112345678']);
    expect(wa.current.deadPairingCodes).toEqual([]); // a label WhatsApp accepts for codes
    expect(qrs).toEqual([]);
    wa.current.open();
    await expect(login).resolves.toEqual({ number: '4915112345678' });
  });

  it('shows the device name for QR pairing and announces a configured Web version', async () => {
    const { wa, login } = setup(undefined, { deviceName: 'Family bot', webVersion: '2.3000.1' });
    await wa.waitForSockets(1);
    expect(wa.current.options.browser[0]).toBe('Family bot');
    expect(wa.current.options.version).toEqual([2, 3000, 1]);
    wa.current.open();
    await login;
  });

  it('fails with the reason when WhatsApp refuses (401)', async () => {
    const { wa, login } = setup();
    await wa.waitForSockets(1);
    wa.current.update(fixture<Partial<ConnectionState>>('close-logged-out'));
    await expect(login).rejects.toThrow(/logged this device out/);
  });
});
