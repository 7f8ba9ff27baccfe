/**
 * A WhatsApp double standing in for Baileys' `makeWASocket`: each socket it builds
 * is a pair of event emitters (`ev`, `ws`) that emits Baileys' real event shapes
 * (`connection.update`, `creds.update`, `messages.upsert`), fed from the captured
 * payloads in channels/whatsapp/fixtures. It records what the channel sends and
 * can refuse the next send like WhatsApp does (`rate-overlimit`).
 *
 * @example
 * ```ts
 * const wa = new WhatsAppDouble({ autoOpen: true })
 * new WhatsAppChannel({ ..., socketFactory: wa.factory })
 * wa.current.upsert(fixture('dm-text').messages)
 * wa.sent() // [{ jid, text }]
 * ```
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AnyMessageContent,
  BaileysEventMap,
  ConnectionState,
  Contact,
  GroupMetadata,
  MiscMessageGenerationOptions,
  WAMessage,
  WAMessageKey,
  WAPresence,
} from '@whiskeysockets/baileys';
import type {
  WhatsAppSocket,
  WhatsAppSocketFactory,
  WhatsAppSocketOptions,
} from '../../channels/whatsapp/socket.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The fixtures beside the adapter (also from dist/, where tsc copies no JSON). */
const FIXTURES = [
  join(here, '../../channels/whatsapp/fixtures'),
  join(here, '../../../channels/whatsapp/fixtures'),
].find((dir) => existsSync(dir))!;

/** The linked account the fixtures were captured with. */
export const BOT_USER: Contact = {
  id: '4915112345678:12@s.whatsapp.net',
  lid: '98765432101234:12@lid',
  name: 'Parley',
};

/** An error shaped like Baileys' `Boom` (statusCode in `output`, server code in `data`). */
export function boom(
  message: string,
  statusCode: number,
  extra: { data?: unknown; headers?: Record<string, string> } = {},
): Error {
  return Object.assign(new Error(message), {
    isBoom: true,
    data: extra.data,
    output: { statusCode, headers: extra.headers ?? {}, payload: { statusCode, message } },
  });
}

/** Loads a captured payload; `lastDisconnect.error` objects become Boom-shaped errors. */
export function fixture<T = unknown>(name: string): T {
  const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
  return JSON.parse(text, (key, value) => {
    if (key === 'error' && value && typeof value === 'object' && 'output' in value)
      return boom(value.message, value.output.statusCode, { data: value.data });
    if (key === 'date' && typeof value === 'string') return new Date(value);
    return value;
  }) as T;
}

export interface SentRecord {
  jid: string;
  text: string;
  content: AnyMessageContent;
  id: string;
  /** When the send reached the double (ms since epoch). */
  at: number;
}

/** OS names WhatsApp accepts in the pairing-code display (Baileys' `Browsers` presets). */
const PAIRING_PLATFORMS = new Set(['Ubuntu', 'Mac OS', 'Windows']);

export class FakeSocket implements WhatsAppSocket {
  readonly events = new EventEmitter();
  readonly ev = {
    on: <E extends keyof BaileysEventMap>(event: E, fn: (data: BaileysEventMap[E]) => void) =>
      void this.events.on(event, fn),
  };
  readonly ws = new EventEmitter();
  user: Contact | undefined;
  ended = false;
  readonly presence: { type: WAPresence; jid?: string | undefined }[] = [];
  readonly read: WAMessageKey[] = [];
  readonly pairingCodes: string[] = [];
  /** Codes WhatsApp refused behind Baileys' back (see requestPairingCode). */
  readonly deadPairingCodes: string[] = [];
  /** Like Baileys' LIDMappingStore: LID user → `<number>:<device>@s.whatsapp.net`. */
  readonly signalRepository = {
    lidMapping: {
      getPNForLID: async (lid: string): Promise<string | null> => {
        const number = this.double.lidToNumber.get(lid.split('@')[0]!.split(':')[0]!);
        return number ? `${number}:0@s.whatsapp.net` : null;
      },
    },
  };

  constructor(
    readonly options: WhatsAppSocketOptions,
    private readonly double: WhatsAppDouble,
  ) {}

  emit<E extends keyof BaileysEventMap>(event: E, data: BaileysEventMap[E]): void {
    this.events.emit(event, data);
  }

  update(update: Partial<ConnectionState>): void {
    this.emit('connection.update', update);
  }

  qr(qr = `2@${Math.random().toString(36).slice(2)},pairing-ref`): void {
    this.update({ connection: 'connecting', qr });
  }

  open(user: Contact = BOT_USER): void {
    this.user = user;
    this.update({ connection: 'open', isNewLogin: false });
  }

  /** Closes like Baileys does: `connection: 'close'` with a Boom carrying the code. */
  close(statusCode: number, message = 'Connection Closed'): void {
    this.ended = true;
    this.update({
      connection: 'close',
      lastDisconnect: { error: boom(message, statusCode), date: new Date() },
    });
  }

  upsert(messages: WAMessage[], type: 'notify' | 'append' = 'notify'): void {
    this.emit('messages.upsert', { messages, type });
  }

  /** Like Baileys: the id is the caller's `messageId` when given, else a fresh one. */
  async sendMessage(
    jid: string,
    content: AnyMessageContent,
    options: MiscMessageGenerationOptions = {},
  ): Promise<WAMessage | undefined> {
    const failure = this.double.failures.shift();
    if (failure) throw failure;
    const id =
      options.messageId ??
      `3EB0${(++this.double.counter).toString(16).padStart(16, '0').toUpperCase()}`;
    const text = 'text' in content && typeof content.text === 'string' ? content.text : '';
    const record = { jid, text, content, id, at: Date.now() };
    this.double.sends.push(record);
    this.double.onSend?.(record);
    return {
      key: { remoteJid: jid, fromMe: true, id },
      message: { extendedTextMessage: { text } },
      messageTimestamp: Math.floor(Date.now() / 1000),
    };
  }

  async sendPresenceUpdate(type: WAPresence, jid?: string): Promise<void> {
    this.presence.push({ type, jid });
  }

  async readMessages(keys: WAMessageKey[]): Promise<void> {
    this.read.push(...keys);
  }

  async groupMetadata(jid: string): Promise<GroupMetadata> {
    this.double.groupMetadataCalls += 1;
    return { ...fixture<GroupMetadata>('group-metadata'), id: jid };
  }

  /**
   * Like Baileys + WhatsApp: a code is always returned (Baileys makes it locally), but
   * WhatsApp answers the `companion_hello` with 400 bad-request unless the display
   * "<browser> (<os>)" names an OS it knows, and such a code never links.
   */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.pairingCodes.push(phoneNumber);
    if (!PAIRING_PLATFORMS.has(this.options.browser[0])) this.deadPairingCodes.push(phoneNumber);
    return 'PRLY2345';
  }

  async updateMediaMessage(message: WAMessage): Promise<WAMessage> {
    return message;
  }

  end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.update({ connection: 'close', lastDisconnect: { error, date: new Date() } });
  }
}

export class WhatsAppDouble {
  readonly sockets: FakeSocket[] = [];
  readonly sends: SentRecord[] = [];
  /** Called for every message the bot sends (benches time replies here). */
  onSend: ((record: SentRecord) => void) | undefined;
  readonly failures: Error[] = [];
  counter = 0;
  groupMetadataCalls = 0;
  /** LID user part → phone number, as WhatsApp taught Baileys (history sync, messages). */
  readonly lidToNumber = new Map<string, string>();

  /** With `autoOpen`, every new socket opens on the next tick (an already paired account). */
  constructor(private readonly settings: { autoOpen?: boolean } = {}) {}

  readonly factory: WhatsAppSocketFactory = (options) => {
    const socket = new FakeSocket(options, this);
    this.sockets.push(socket);
    if (this.settings.autoOpen) queueMicrotask(() => socket.open());
    return socket;
  };

  get current(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket was opened yet');
    return socket;
  }

  /** Every message sent, as the socket relayed it (a repeated id is listed again). */
  sent(): SentRecord[] {
    return [...this.sends];
  }

  /**
   * What the recipients' chats show: WhatsApp keys a message by chat, sender and id,
   * so a message relayed again under the same id is the one message it already was.
   */
  received(): SentRecord[] {
    const seen = new Set<string>();
    return this.sends.filter(({ jid, id }) => {
      const key = `${jid} ${id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** The next send fails like WhatsApp's `rate-overlimit` (code 429 in `data`). */
  failRateOverlimitOnce(retryAfterSeconds?: number): void {
    this.failures.push(
      boom('rate-overlimit', 500, {
        data: 429,
        ...(retryAfterSeconds !== undefined
          ? { headers: { 'retry-after': String(retryAfterSeconds) } }
          : {}),
      }),
    );
  }

  /** Waits until `count` sockets were opened. */
  async waitForSockets(count: number, timeoutMs = 5000): Promise<FakeSocket> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} sockets, saw ${this.sockets.length}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.sockets[count - 1]!;
  }
}
