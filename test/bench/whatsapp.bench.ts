/**
 * WhatsApp bench, against the socket double (no network):
 *
 * - inbound: captured DM and group payloads (fresh ids) through `messages.upsert` →
 *   normalisation → `sink.accept`, messages/s;
 * - auth state: Signal key batches (5 keys, one consumed pre-key) written to SQLite
 *   in one transaction each, batches/s: the write path every message takes;
 * - reconnects: 20 connection losses with a 1 ms backoff; one new socket per close
 *   means no reconnect loop.
 *
 * - whole turns (`turns.ts`): DMs through a real Parley with a 50 ms model, latency
 *   above the model and CPU per message.
 *
 * Env: PARLEY_BENCH_WHATSAPP_MESSAGES (default 5000).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WAMessage } from '@whiskeysockets/baileys';
import pino from 'pino';
import { WhatsAppChannel } from '../../channels/whatsapp/adapter.js';
import { sqliteAuthState } from '../../channels/whatsapp/auth-state.js';
import { whatsappSchema } from '../../channels/whatsapp/config.js';
import { SqliteAuthStateStore as AuthStateStore } from '../../sessions/sqlite/auth-state.js';
import { openDatabase } from '../../sessions/sqlite/db.js';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import { fixture, WhatsAppDouble } from '../doubles/whatsapp.js';
import { until as poll } from '../wait.js';
import { measureTurns, type TurnDriver } from './turns.js';

const until = (condition: () => boolean, timeoutMs = 60_000) =>
  poll(condition, timeoutMs, { intervalMs: 2, what: 'bench' });

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-wa-'));
  const db = openDatabase(join(dataDir, 'parley.db'));
  const wa = new WhatsAppDouble({ autoOpen: true });
  const channel = new WhatsAppChannel({
    config: whatsappSchema.parse({
      enabled: true,
      sendReadReceipts: false,
      reconnect: { initialDelayMs: 1, maxDelayMs: 1 },
    }),
    files: workspaceFiles(dataDir),
    authStore: new AuthStateStore(db, 'whatsapp:bench'),
    log: pino({ level: 'silent' }),
    socketFactory: wa.factory,
  });
  return { db, wa, channel };
}

async function inbound(count: number): Promise<Record<string, number>> {
  const { db, wa, channel } = setup();
  let accepted = 0;
  await channel.start({
    accept: async () => {
      accepted += 1;
      return { duplicate: false };
    },
  });
  await until(() => channel.status().state === 'connected');
  const templates = ['dm-text', 'group-mention', 'group-plain', 'group-reply-to-bot'].map(
    (name) => fixture<{ messages: WAMessage[] }>(name).messages[0]!,
  );
  const started = performance.now();
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => {
      const raw = structuredClone(templates[(i + j) % templates.length]!);
      raw.key.id = `3ABENCH${(i + j).toString(16).padStart(12, '0')}`;
      return raw;
    });
    wa.current.upsert(batch);
  }
  await until(() => accepted === count);
  const seconds = (performance.now() - started) / 1000;
  await channel.stop();
  db.close();
  return { messages: count, inboundPerSecond: Math.round(count / seconds) };
}

function authWrites(batches: number): Record<string, number> {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'parley-bench-wa-')), 'parley.db'));
  const auth = sqliteAuthState(new AuthStateStore(db, 'whatsapp:bench'));
  const started = performance.now();
  for (let i = 0; i < batches; i++) {
    void auth.state.keys.set({
      session: { [`49176${i % 50}.0`]: Buffer.alloc(600, i) },
      'sender-key': { [`g${i % 10}::49176${i % 50}::0`]: Buffer.alloc(200, i) },
      'pre-key': {
        [String(i)]: null,
        [String(i + 100_000)]: { public: Buffer.alloc(32), private: Buffer.alloc(32) },
      },
      'device-list': { [`49176${i % 50}`]: ['0', '12'] },
    });
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { keyBatches: batches, keyBatchesPerSecond: Math.round(batches / seconds) };
}

async function reconnects(closes: number): Promise<Record<string, number>> {
  const { db, wa, channel } = setup();
  await channel.start({ accept: async () => ({ duplicate: false }) });
  const started = performance.now();
  for (let i = 1; i <= closes; i++) {
    await wa.waitForSockets(i);
    await until(() => channel.status().state === 'connected');
    wa.current.close(428, 'Connection Terminated');
  }
  await wa.waitForSockets(closes + 1);
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 50));
  await channel.stop();
  db.close();
  return { closes, socketsOpened: wa.sockets.length, reconnectCycleMs: Math.round(ms / closes) };
}

export default async function bench(): Promise<Record<string, unknown>> {
  const count = Number(process.env.PARLEY_BENCH_WHATSAPP_MESSAGES ?? 5000);
  return {
    ...(await inbound(count)),
    ...authWrites(2000),
    ...(await reconnects(20)),
    turns: await measureTurns(whatsappTurns()),
  };
}

/**
 * Whole turns: a DM upserted on the socket double, the reply sent through it. The
 * account's pacing (60 messages a minute by default) is lifted, so the wait measured
 * is Parley's work rather than WhatsApp's anti-spam limit.
 */
function whatsappTurns(): TurnDriver {
  const wa = new WhatsAppDouble({ autoOpen: true });
  const dm = fixture<{ messages: WAMessage[] }>('dm-text').messages[0]!;
  return {
    config: {
      channels: {
        whatsapp: { enabled: true, rateLimits: { perChatMinMs: 0, messagesPerMinute: 60_000 } },
      },
    },
    seams: { whatsappSocketFactory: wa.factory },
    connected: () => until(() => wa.current?.user !== undefined),
    inject: (i) => {
      const raw = structuredClone(dm);
      raw.key.id = `3ATURN${i.toString(16).padStart(12, '0')}`;
      wa.current.upsert([raw]);
    },
    onReply: (listener) => {
      wa.onSend = listener;
    },
  };
}
