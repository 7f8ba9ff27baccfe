/**
 * The web chat as one module: the page at `/` and the WebSocket at `/ws` on
 * Parley's HTTP server, each conversation's history kept in the web outbox. The
 * token holder is the owner ({@link WEB_PRINCIPAL}, listed by the composition root).
 * Its section is the top-level `web:` (it also configures the HTTP server), and it
 * runs whenever that server does.
 */
import type { ChannelModule } from '../../core/module.js';
import { webSchema } from './config.js';

export { WEB_PRINCIPAL } from './owner.js';

export const web: ChannelModule<typeof webSchema> = {
  id: 'web',
  description: 'Web chat in the browser (page and WebSocket on the HTTP server)',
  config: webSchema,
  configKey: 'web',
  enabled: (config) => config.enabled,

  async create(ctx) {
    const http = ctx.http;
    if (!http) throw new Error('the web chat needs the HTTP server (web.enabled: true)');
    const { WebChannel } = await import('./adapter.js');
    return new WebChannel({
      http,
      outbox: ctx.stores.webOutbox,
      state: ctx.stores.authState('web:conversations'),
      files: ctx.files,
      log: ctx.log,
    });
  },
};
