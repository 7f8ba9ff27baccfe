/**
 * WhatsApp pairing (the module's `login`, run by `parley channels login whatsapp
 * [--phone <number>]`): links Parley to a WhatsApp account as a linked device and
 * stores the pairing in the auth-state store, where the running channel finds it.
 *
 *   connection (connection.ts) ─qr─► terminal QR (refreshed as WhatsApp rotates it)
 *                              │     or, with --phone, a pairing code (requestPairingCode)
 *                              ├─515 restart required ─► new socket (handled by the connection)
 *                              └─open ─► "Linked to +<number>"
 *
 * Stop a running Parley first: two sessions with one pairing replace each other (440).
 *
 * @example
 * ```ts
 * const { number } = await loginWhatsApp({ config, authStore, log, out: console.log })
 * ```
 */
import type { Logger } from 'pino';
import qrcodeTerminal from 'qrcode-terminal';
import type { AuthStateStore } from '../../core/stores.js';
import { sqliteAuthState } from './auth-state.js';
import type { WhatsAppConfig } from './config.js';
import { type ConnectionEvent, WhatsAppConnection } from './connection.js';
import {
  baileysSocketFactory,
  browserLabel,
  type WhatsAppSocket,
  type WhatsAppSocketFactory,
  withVersion,
} from './socket.js';

export interface LoginOptions {
  config: WhatsAppConfig;
  authStore: AuthStateStore;
  log: Logger;
  out: (line: string) => void;
  /** Pair with a code typed on the phone instead of scanning a QR (digits, country code first). */
  phone?: string | undefined;
  /** Draws a QR (default: qrcode-terminal, small). */
  renderQr?: (qr: string) => void;
  socketFactory?: WhatsAppSocketFactory;
  timeoutMs?: number;
}

/** Resolves with the linked number once the connection is open; rejects on refusal or timeout. */
export async function loginWhatsApp(
  options: LoginOptions,
): Promise<{ number: string | undefined }> {
  const { config } = options;
  const connection = new WhatsAppConnection({
    factory: options.socketFactory ?? baileysSocketFactory,
    auth: sqliteAuthState(options.authStore),
    log: options.log,
    backoff: config.reconnect,
    watchdogMs: config.watchdogSeconds * 1000,
    socket: {
      browser: browserLabel(config.deviceName, Boolean(options.phone)),
      ...withVersion(config.webVersion),
      getMessage: async () => undefined,
      cachedGroupMetadata: async () => undefined,
    },
  });
  const done = new Promise<{ number: string | undefined }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('No pairing within the time limit; run the command again.')),
      options.timeoutMs ?? 5 * 60_000,
    );
    connection.on(
      pairingListener(connection, options, (outcome) => {
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      }),
    );
  });
  options.out('Connecting to WhatsApp…');
  connection.start();
  try {
    return await done;
  } finally {
    await connection.stop();
  }
}

/** Narrates the pairing on `out` and calls `finish` once it succeeded or failed. */
function pairingListener(
  connection: WhatsAppConnection,
  options: LoginOptions,
  finish: (outcome: { number: string | undefined } | Error) => void,
): (event: ConnectionEvent) => void {
  const { out, phone } = options;
  const renderQr =
    options.renderQr ?? ((qr: string) => qrcodeTerminal.generate(qr, { small: true }, out));
  let codeFor: WhatsAppSocket | undefined;
  return (event) => {
    if (event.type === 'qr' && !phone) {
      out('Scan this QR code in WhatsApp → Settings → Linked devices → Link a device:');
      renderQr(event.qr);
    } else if (event.type === 'qr' && phone && connection.currentSocket !== codeFor) {
      codeFor = connection.currentSocket;
      requestCode(codeFor, phone, out).catch((error: unknown) =>
        finish(error instanceof Error ? error : new Error(String(error))),
      );
    } else if (event.type === 'reconnecting') {
      out(
        event.code === 515
          ? 'Scanned. Restarting the connection as WhatsApp asks…'
          : `Connection closed (${event.reason}); retrying in ${Math.ceil(event.delayMs / 1000)} s…`,
      );
    } else if (event.type === 'open') finish({ number: event.number });
    else if (event.type === 'logged_out' || event.type === 'replaced')
      finish(new Error(connection.status().detail ?? 'pairing refused'));
  };
}

async function requestCode(
  socket: WhatsAppSocket | undefined,
  phone: string,
  out: (line: string) => void,
): Promise<void> {
  if (!socket) return;
  const code = await socket.requestPairingCode(phone.replace(/\D/g, ''));
  const shown = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  out(`Pairing code: ${shown}`);
  out('On the phone: WhatsApp → Settings → Linked devices → Link with phone number instead.');
}
