/**
 * The WhatsApp connection lifecycle: one live Baileys socket at a time, replaced
 * whenever it closes, never fought over in a loop.
 *
 *   start ─► socket (factory) ─connection.update─► qr ─► open ─► close ─┬─ 515 restart required → new socket now
 *                                                                      ├─ 401 logged out → wipe auth, stop, ask to pair
 *                                                                      ├─ 440 replaced   → stop, report
 *                                                                      └─ other          → new socket after backoff
 *
 * A watchdog closes and replaces a socket that received no frame for `watchdogMs`.
 * `creds.update` is persisted at once (auth-state.ts). Listeners hear about every
 * new socket (the adapter subscribes to its messages) and every state change.
 * Events of a socket that was replaced are ignored.
 */
import { type ConnectionState, jidNormalizedUser } from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { ChannelStatus } from '../../core/contract.js';
import type { SqliteAuthState } from './auth-state.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { statusCodeOf } from './errors.js';
import type { WhatsAppSocket, WhatsAppSocketFactory, WhatsAppSocketOptions } from './socket.js';

/** What the admin page and `parley channels login` show about pairing. */
export interface PairingState {
  state: 'idle' | 'qr' | 'open' | 'logged_out' | 'error';
  /** The raw QR payload (render it yourself). */
  qr?: string;
  /** The same QR as a PNG data URL. */
  qrDataUrl?: string;
  /** The paired phone number once open. */
  number?: string;
  detail?: string;
}

export type ConnectionEvent =
  | { type: 'socket'; socket: WhatsAppSocket }
  | { type: 'qr'; qr: string }
  | { type: 'open'; number: string | undefined }
  | { type: 'reconnecting'; delayMs: number; code: number | undefined; reason: string }
  | { type: 'logged_out' }
  | { type: 'replaced' };

export interface ConnectionOptions {
  factory: WhatsAppSocketFactory;
  auth: SqliteAuthState;
  log: Logger;
  backoff: BackoffOptions;
  watchdogMs: number;
  socket: Omit<WhatsAppSocketOptions, 'auth' | 'logger'>;
  /** Random source for the backoff jitter. */
  random?: () => number;
}

const LOGGED_OUT = 401;
const REPLACED = 440;
const RESTART_REQUIRED = 515;

export const PAIR_AGAIN =
  'Pair again with `parley channels login whatsapp` (or the admin page QR).';

export class WhatsAppConnection {
  private socket: WhatsAppSocket | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastFrameAt = 0;
  private readonly backoff: Backoff;
  private readonly listeners: ((event: ConnectionEvent) => void)[] = [];
  private pairing: PairingState = { state: 'idle' };
  private health: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = new Backoff(options.backoff, options.random);
  }

  on(listener: (event: ConnectionEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The open socket, or undefined while (re)connecting or stopped. */
  get openSocket(): WhatsAppSocket | undefined {
    return this.pairing.state === 'open' ? this.socket : undefined;
  }

  /** The current socket in any state (for pairing-code requests). */
  get currentSocket(): WhatsAppSocket | undefined {
    return this.socket;
  }

  /** Failed attempts since the last open connection. */
  get failedAttempts(): number {
    return this.backoff.attempts;
  }

  pairingState(): PairingState {
    return { ...this.pairing };
  }

  status(): ChannelStatus {
    return { ...this.health };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.retire();
    if (this.pairing.state === 'qr') this.pairing = { state: 'idle' };
    if (this.health.state !== 'logged_out' && this.health.state !== 'error')
      this.setHealth({ state: 'stopped' });
  }

  private open(): void {
    if (!this.running) return;
    const { factory, auth, log, socket: extra } = this.options;
    this.setHealth({ state: 'starting', detail: 'connecting to WhatsApp' });
    // Baileys is chatty below warn; never more verbose than Parley's own level.
    const level = log.levelVal > 40 ? log.level : 'warn';
    const logger = log.child({ module: 'baileys' }, { level });
    const socket = factory({ ...extra, auth: auth.state, logger });
    this.socket = socket;
    socket.ev.on('connection.update', (update) => {
      if (this.socket === socket) this.onUpdate(socket, update);
    });
    socket.ev.on('creds.update', (update) => {
      if (this.socket !== socket) return;
      Object.assign(auth.state.creds, update);
      auth.saveCreds();
    });
    socket.ws.on('frame', () => {
      this.lastFrameAt = Date.now();
    });
    this.emit({ type: 'socket', socket });
  }

  private onUpdate(socket: WhatsAppSocket, update: Partial<ConnectionState>): void {
    this.lastFrameAt = Date.now();
    if (update.qr) this.onQr(update.qr);
    if (update.connection === 'open') this.onOpen(socket);
    if (update.connection === 'close') this.onClose(update.lastDisconnect?.error);
  }

  private onQr(qr: string): void {
    this.pairing = { state: 'qr', qr };
    this.setHealth({
      state: 'qr',
      detail: 'waiting for the QR code to be scanned',
      fix: PAIR_AGAIN,
    });
    this.emit({ type: 'qr', qr });
    QRCode.toDataURL(qr).then(
      (qrDataUrl) => {
        if (this.pairing.qr === qr) this.pairing = { ...this.pairing, qrDataUrl };
      },
      (error: unknown) => this.options.log.warn({ err: error }, 'whatsapp: QR image failed'),
    );
  }

  private onOpen(socket: WhatsAppSocket): void {
    const id = socket.user?.id;
    const number = id ? jidNormalizedUser(id).split('@')[0] : undefined;
    this.backoff.reset();
    this.pairing = { state: 'open', ...(number ? { number } : {}) };
    this.setHealth({ state: 'connected', ...(number ? { detail: `linked to +${number}` } : {}) });
    this.startWatchdog();
    this.emit({ type: 'open', number });
  }

  private onClose(error: Error | undefined): void {
    this.retire();
    const code = statusCodeOf(error);
    const reason = error?.message ?? 'connection closed';
    if (!this.running) return;
    if (code === LOGGED_OUT) this.onLoggedOut();
    else if (code === REPLACED) this.onReplaced();
    else this.reconnectAfterClose(code, reason);
  }

  private reconnectAfterClose(code: number | undefined, reason: string): void {
    const delayMs = code === RESTART_REQUIRED ? 0 : this.backoff.next();
    this.options.log.info({ code, reason, delayMs }, 'whatsapp: connection closed, reconnecting');
    this.scheduleReconnect(delayMs, code, reason);
  }

  private onLoggedOut(): void {
    this.running = false;
    this.options.auth.clear();
    const detail = 'WhatsApp logged this device out (401); the stored pairing was deleted.';
    this.pairing = { state: 'logged_out', detail };
    this.setHealth({ state: 'logged_out', detail, fix: PAIR_AGAIN });
    this.options.log.error(`whatsapp: ${detail} ${PAIR_AGAIN}`);
    this.emit({ type: 'logged_out' });
  }

  private onReplaced(): void {
    this.running = false;
    const detail = 'Connection replaced (440): another session with the same pairing took over.';
    const fix = 'Stop the other Parley or WhatsApp Web session using this pairing, then restart.';
    this.pairing = { state: 'error', detail };
    this.setHealth({ state: 'error', detail, fix });
    this.options.log.error(`whatsapp: ${detail} ${fix}`);
    this.emit({ type: 'replaced' });
  }

  private scheduleReconnect(delayMs: number, code: number | undefined, reason: string): void {
    this.setHealth({ state: 'starting', detail: `reconnecting in ${delayMs} ms (${reason})` });
    this.emit({ type: 'reconnecting', delayMs, code, reason });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
    this.reconnectTimer.unref?.();
  }

  private startWatchdog(): void {
    clearInterval(this.watchdogTimer);
    this.lastFrameAt = Date.now();
    const { watchdogMs } = this.options;
    this.watchdogTimer = setInterval(() => this.checkWatchdog(), Math.max(5, watchdogMs / 4));
    this.watchdogTimer.unref?.();
  }

  private checkWatchdog(): void {
    const silentMs = Date.now() - this.lastFrameAt;
    if (silentMs < this.options.watchdogMs || !this.running) return;
    this.options.log.warn({ silentMs }, 'whatsapp: no frames received, replacing the socket');
    this.retire();
    this.scheduleReconnect(this.backoff.next(), undefined, `no frames for ${silentMs} ms`);
  }

  /** Forgets the current socket (its later events are ignored) and ends it. */
  private retire(): void {
    clearInterval(this.watchdogTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (this.pairing.state === 'open') this.pairing = { state: 'idle' };
    if (!socket) return;
    try {
      void Promise.resolve(socket.end(undefined)).catch(() => {});
    } catch {
      // already closed
    }
  }

  private setHealth(status: Omit<ChannelStatus, 'since'>): void {
    this.health = { ...status, since: Date.now() };
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
