/**
 * The slice of a Baileys socket the WhatsApp channel uses, and the factory that
 * builds one. The connection opens every socket through a {@link WhatsAppSocketFactory},
 * so tests (and the e2e suite, via `ctx.seams.whatsappSocketFactory`) can stand in
 * an event emitter that emits Baileys' real event shapes instead of `makeWASocket`.
 *
 *   connection.ts ──factory(options)──► WhatsAppSocket ──ev──► connection / adapter
 */
import {
  type AnyMessageContent,
  type AuthenticationState,
  type BaileysEventMap,
  Browsers,
  type Contact,
  type GroupMetadata,
  type MiscMessageGenerationOptions,
  makeWASocket,
  type proto,
  type WAMessage,
  type WAMessageKey,
  type WAPresence,
} from '@whiskeysockets/baileys';
import type { Logger } from 'pino';

/** What the channel needs from a socket; a real `makeWASocket` result satisfies it. */
export interface WhatsAppSocket {
  readonly ev: {
    on<E extends keyof BaileysEventMap>(
      event: E,
      listener: (data: BaileysEventMap[E]) => void,
    ): void;
  };
  /** The raw WebSocket client: `frame` fires for every frame received (watchdog). */
  readonly ws: { on(event: 'frame', listener: () => void): unknown };
  readonly user: Contact | undefined;
  sendMessage(
    jid: string,
    content: AnyMessageContent,
    options?: MiscMessageGenerationOptions,
  ): Promise<WAMessage | undefined>;
  sendPresenceUpdate(type: WAPresence, toJid?: string): Promise<void>;
  readMessages(keys: WAMessageKey[]): Promise<void>;
  groupMetadata(jid: string): Promise<GroupMetadata>;
  requestPairingCode(phoneNumber: string): Promise<string>;
  updateMediaMessage(message: WAMessage): Promise<WAMessage>;
  end(error: Error | undefined): void | Promise<void>;
  /** Baileys' LID↔phone-number mapping, learnt from history sync and messages. */
  readonly signalRepository?: {
    lidMapping: { getPNForLID(lid: string): Promise<string | null> };
  };
}

/** Options the channel passes to every socket it opens. */
export interface WhatsAppSocketOptions {
  auth: AuthenticationState;
  logger: Logger;
  browser: [string, string, string];
  /** WhatsApp Web version to announce; Baileys' built-in one when absent. */
  version?: [number, number, number];
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
  cachedGroupMetadata(jid: string): Promise<GroupMetadata | undefined>;
}

/**
 * The browser tuple a socket announces. Its first item is the name shown under "Linked
 * devices" on the phone, which QR pairing accepts freely. Pairing by phone code sends it
 * to WhatsApp as "Chrome (<name>)", and WhatsApp answers 400 to any name but an OS it
 * knows while Baileys still returns a (dead) code, so that path uses Baileys' own preset.
 */
export function browserLabel(deviceName: string, byPhoneCode: boolean): [string, string, string] {
  return byPhoneCode ? Browsers.ubuntu('Chrome') : [deviceName, 'Chrome', '1.0'];
}

/** Config `webVersion` (`"2.3000.1023223821"`) → the socket option Baileys takes, if set. */
export function withVersion(version: string | undefined): { version?: [number, number, number] } {
  if (!version) return {};
  const [major, minor, patch] = version.split('.').map(Number);
  return { version: [major!, minor!, patch!] };
}

export type WhatsAppSocketFactory = (options: WhatsAppSocketOptions) => WhatsAppSocket;

/** The production factory: a real Baileys socket, no full history sync, not shown as online. */
export const baileysSocketFactory: WhatsAppSocketFactory = (options) =>
  makeWASocket({
    ...options,
    markOnlineOnConnect: false,
    syncFullHistory: false,
    // Baileys' default (recent history, no full sync): disabling every history sync
    // also loses the initial LID mappings. History arrives as `messaging-history.set`,
    // which the channel never answers; upsert type 'append' carries messages queued
    // while Parley was offline, which it answers (see adapter.ts).
  });
