/**
 * The WhatsApp channel as one module: its config section, the adapter (Baileys is
 * imported only when the channel runs), the pairing route for the admin page, what
 * `parley doctor` checks (a stored pairing) and the interactive pairing of
 * `parley channels login whatsapp [--phone <number>]`.
 *
 * Test seam: `ctx.seams.whatsappSocketFactory` stands in for Baileys' `makeWASocket`.
 */
import type { ChannelContext, ChannelModule } from '../../core/module.js';
import type { AuthStateStore } from '../../core/stores.js';
import { type WhatsAppConfig, whatsappSchema } from './config.js';
import type { MediaDownloader } from './media.js';
import type { WhatsAppSocketFactory } from './socket.js';

const namespace = (config: WhatsAppConfig) => `whatsapp:${config.account}`;

function socketFactory(ctx: Pick<ChannelContext<unknown>, 'seams'>) {
  const factory = ctx.seams.whatsappSocketFactory as WhatsAppSocketFactory | undefined;
  // Tests also stand in for the media download (WhatsApp's encrypted CDN).
  const download = ctx.seams.whatsappMediaDownloader as MediaDownloader | undefined;
  return { ...(factory ? { socketFactory: factory } : {}), ...(download ? { download } : {}) };
}

/** Draws a QR on the operator's terminal, with a line saying what to do with it. */
async function qrPrinter(tty: { write(text: string): void }): Promise<(qr: string) => void> {
  const { default: qrcodeTerminal } = await import('qrcode-terminal');
  return (qr) =>
    qrcodeTerminal.generate(qr, { small: true }, (drawn) =>
      tty.write(`WhatsApp: scan this in WhatsApp → Linked devices → Link a device\n${drawn}\n`),
    );
}

/** True when the stored credentials name a linked account (an abandoned pairing leaves keys only). */
function storedPairing(store: AuthStateStore): boolean {
  const creds = store.get('creds');
  if (!creds) return false;
  try {
    return Boolean((JSON.parse(creds) as { me?: { id?: unknown } }).me?.id);
  } catch {
    return false;
  }
}

export const whatsapp: ChannelModule<typeof whatsappSchema> = {
  id: 'whatsapp',
  description: 'WhatsApp linked device (Baileys)',
  config: whatsappSchema,
  enabled: (config) => config.enabled,

  async create(ctx) {
    const { WhatsAppChannel } = await import('./adapter.js');
    const { registerPairingRoute } = await import('./routes.js');
    const channel = new WhatsAppChannel({
      config: ctx.config,
      files: ctx.files,
      authStore: ctx.stores.authState(namespace(ctx.config)),
      log: ctx.log,
      ...socketFactory(ctx),
      ...(ctx.tty ? { showQr: await qrPrinter(ctx.tty) } : {}),
    });
    const http = ctx.http;
    if (http) registerPairingRoute(http, channel);
    return channel;
  },

  async probe(config, { stores }) {
    if (storedPairing(stores.authState(namespace(config))))
      return {
        ok: true,
        detail: `linked-device credentials of account "${config.account}" stored`,
      };
    return {
      ok: false,
      detail: `account "${config.account}" is not paired yet`,
      fix: 'Run `parley channels login whatsapp` (or open /admin) and scan the QR code in WhatsApp → Linked devices.',
    };
  },

  async login(ctx) {
    const { loginWhatsApp } = await import('./login.js');
    const out = (line: string) => void ctx.output.write(`${line}\n`);
    const phone = typeof ctx.args.phone === 'string' ? ctx.args.phone : undefined;
    const { number } = await loginWhatsApp({
      config: ctx.config,
      authStore: ctx.stores.authState(namespace(ctx.config)),
      log: ctx.log,
      out,
      phone,
      ...socketFactory(ctx),
    });
    out(`Linked to WhatsApp as +${number ?? '(unknown number)'}.`);
  },
};
