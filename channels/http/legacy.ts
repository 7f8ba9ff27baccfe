/**
 * Temporary seam while the channel routes still take the old {@link HttpServer}
 * (node `req`/`res` handlers) instead of `core/http.ts`'s {@link HttpRoutes}: the
 * composition root hands channels the server as `ctx.http`, and a channel module
 * hands it back to its adapter here. The only casts between the two types; delete
 * this file once the adapters register `HttpRoutes` routes.
 */
import type { HttpRoutes } from '../../core/http.js';
import type { HttpServer } from './server.js';

/** The server as the route registration a {@link ChannelContext} carries. */
export const asRoutes = (server: HttpServer): HttpRoutes => server as unknown as HttpRoutes;

/** Back from `ctx.http` to the server the adapter still registers on. */
export const asServer = (routes: HttpRoutes | undefined): HttpServer | undefined =>
  routes as unknown as HttpServer | undefined;
