/**
 * The web chat as one module: the page at `/` and the WebSocket at `/ws` on
 * Parley's HTTP server, replies kept in the web outbox for reconnecting clients.
 * Its section is the top-level `web:` (it also configures the HTTP server), and it
 * runs whenever that server does.
 */
import type { ChannelModule } from '../../core/module.js';
import { webSchema } from './config.js';

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
    return new WebChannel(http, ctx.stores.webOutbox, ctx.log);
  },
};
