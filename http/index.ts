/**
 * Parley's HTTP layer: the Hono app that implements the core route interface
 * (app.ts), the node socket around it (server.ts), the access token (auth.ts,
 * token.ts) and the browser defences (guards.ts, rate-limit.ts).
 */
export { DEFAULT_RATE_LIMITS, HttpApp, type HttpAppOptions } from './app.js';
export {
  cookieValue,
  givenToken,
  safeDecode,
  safeEqual,
  TOKEN_COOKIE,
  tokenCookie,
} from './auth.js';
export { clientAddress, type NodeEnv } from './client.js';
export { OriginPolicy, REQUEST_HEADER } from './guards.js';
export { type RateLimit, RateLimiter } from './rate-limit.js';
export {
  type ConnectionLimits,
  DEFAULT_LIMITS,
  HttpServer,
  type HttpServerOptions,
} from './server.js';
export { hasToken, requireToken } from './token.js';
