import { join } from 'node:path';
import type { ConnectionState } from '@whiskeysockets/baileys';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { fixture, WhatsAppDouble } from '../../test/doubles/whatsapp.js';
import { tempDir } from '../../test/harness.js';
import { until as poll } from '../../test/wait.js';
import { sqliteAuthState } from './auth-state.js';
import { Backoff } from './backoff.js';
import { type ConnectionEvent, WhatsAppConnection } from './connection.js';

const until = (condition: () => boolean, timeoutMs = 3000) => poll(condition, timeoutMs);

const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

function setup(options: { watchdogMs?: number } = {}) {
  const db = openDatabase(join(tempDir(), 'parley.db'));
  const store = new AuthStateStore(db, 'whatsapp:default');
  const auth = sqliteAuthState(store);
  const wa = new WhatsAppDouble();
  const events: ConnectionEvent[] = [];
  const connection = new WhatsAppConnection({
    factory: wa.factory,
    auth,
    log: pino({ level: 'silent' }),
    backoff: { initialDelayMs: 4, maxDelayMs: 40, factor: 2, jitter: 0 },
    watchdogMs: options.watchdogMs ?? 60_000,
    socket: {
      browser: ['Parley', 'Chrome', '1.0'],
      getMessage: async () => undefined,
      cachedGroupMetadata: async () => undefined,
    },
  });
  connection.on((event) => events.push(event));
  const delays = () => events.flatMap((e) => (e.type === 'reconnecting' ? [e.delayMs] : []));
  return { db, store, auth, wa, connection, events, delays };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('WhatsApp connection lifecycle', () => {
  it('qr → scan → 515 restart required → new socket → open with the paired number', async () => {
    const { wa, connection, auth, store, delays } = setup();
    cleanup = () => connection.stop();
    connection.start();
    const first = wa.current;
    first.update(fixture<Partial<ConnectionState>>('connection-qr'));
    expect(connection.pairingState().state).toBe('qr');
    expect(connection.status().state).toBe('qr');
    await until(() => connection.pairingState().qrDataUrl !== undefined);
    expect(connection.pairingState().qrDataUrl).toMatch(/^data:image\/png;base64,/);
    // the scan: WhatsApp sends the new identity, then closes with 515
    first.emit('creds.update', { me: { id: '4915112345678:12@s.whatsapp.net', name: 'Parley' } });
    expect(auth.paired()).toBe(true);
    expect(store.get('creds')).toContain('4915112345678:12@s.whatsapp.net');
    first.update(fixture<Partial<ConnectionState>>('close-restart-required'));
    const second = await wa.waitForSockets(2);
    expect(delays()).toEqual([0]);
    expect(second.options.auth.creds.me?.id).toBe('4915112345678:12@s.whatsapp.net');
    second.update(fixture<Partial<ConnectionState>>('connection-open'));
    second.open();
    expect(connection.pairingState()).toMatchObject({ state: 'open', number: '4915112345678' });
    expect(connection.status().state).toBe('connected');
    expect(connection.openSocket).toBe(second);
  });

  it('401 logged out wipes the auth state, stops, and says how to pair again', async () => {
    const { wa, connection, auth, store } = setup();
    cleanup = () => connection.stop();
    connection.start();
    wa.current.emit('creds.update', { me: { id: '4915112345678:12@s.whatsapp.net' } });
    auth.state.keys.set({ session: { 'alice.0': new Uint8Array([1, 2, 3]) } });
    expect(store.size()).toBe(2);
    wa.current.open();
    wa.current.update(fixture<Partial<ConnectionState>>('close-logged-out'));
    await settle();
    expect(wa.sockets).toHaveLength(1);
    expect(store.size()).toBe(0);
    expect(auth.paired()).toBe(false);
    const status = connection.status();
    expect(status.state).toBe('logged_out');
    expect(status.fix).toContain('parley channels login whatsapp');
    expect(connection.pairingState().state).toBe('logged_out');
  });

  it('440 connection replaced stops without a reconnect loop', async () => {
    const { wa, connection, delays } = setup();
    cleanup = () => connection.stop();
    connection.start();
    wa.current.open();
    wa.current.update(fixture<Partial<ConnectionState>>('close-replaced'));
    await settle();
    expect(wa.sockets).toHaveLength(1);
    expect(delays()).toEqual([]);
    expect(connection.status()).toMatchObject({ state: 'error' });
    expect(connection.status().detail).toContain('replaced');
  });

  it('reconnects with growing backoff on other closes and resets after an open', async () => {
    const { wa, connection, delays } = setup();
    cleanup = () => connection.stop();
    connection.start();
    for (let i = 1; i <= 4; i++) {
      wa.current.update(fixture<Partial<ConnectionState>>('close-connection-lost'));
      await wa.waitForSockets(i + 1);
    }
    expect(delays()).toEqual([4, 8, 16, 32]);
    wa.current.open();
    expect(connection.failedAttempts).toBe(0);
    wa.current.update(fixture<Partial<ConnectionState>>('close-connection-lost'));
    await wa.waitForSockets(6);
    expect(delays().at(-1)).toBe(4);
    // events of a replaced socket are ignored
    wa.sockets[0]!.open();
    expect(connection.pairingState().state).not.toBe('open');
  });

  it('the watchdog replaces a socket that stopped receiving frames', async () => {
    const { wa, connection, events } = setup({ watchdogMs: 40 });
    cleanup = () => connection.stop();
    connection.start();
    wa.current.open();
    await wa.waitForSockets(2);
    expect(wa.sockets[0]!.ended).toBe(true);
    const reconnect = events.find((e) => e.type === 'reconnecting');
    expect(reconnect).toMatchObject({ reason: expect.stringContaining('no frames') });
  });

  it('frames keep the watchdog quiet', async () => {
    const { wa, connection } = setup({ watchdogMs: 60 });
    cleanup = () => connection.stop();
    connection.start();
    wa.current.open();
    const feed = setInterval(() => wa.current.ws.emit('frame', {}), 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(feed);
    expect(wa.sockets).toHaveLength(1);
  });
});

describe('Backoff', () => {
  it('grows by the factor up to the cap, with bounded jitter', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.2 });
    const low = new Backoff(
      { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.2 },
      () => 0,
    );
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([80, 160, 320, 640, 800]);
    for (let i = 0; i < 10; i++) {
      const delay = backoff.next();
      const base = Math.min(1000, 100 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(delay).toBeLessThanOrEqual(1000);
    }
    backoff.reset();
    expect(backoff.attempts).toBe(0);
  });
});
