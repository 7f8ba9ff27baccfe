/**
 * Parley's access token on the HTTP server: where a request may carry it
 * (`Authorization: Bearer <token>`, a `token` query parameter, or the
 * `parley_token` cookie) and a constant-time comparison. Nothing here throws on
 * hostile input: a malformed cookie (`parley_token=%E0%A4%A`) is simply no token.
 *
 *   request ─► givenToken (bearer ▸ query ▸ cookie) ─► safeEqual(token) ─► yes / 401
 */
import { safeEqual } from '../core/safe-equal.js';

export { safeEqual };

export const TOKEN_COOKIE = 'parley_token';

/** `decodeURIComponent` that answers undefined instead of throwing on malformed escapes. */
export function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The value of cookie `name` in a `Cookie` header, decoded; undefined when absent or malformed. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Where a token may come from, so that a page reached by `?token=` can be given the cookie. */
export type TokenSource = 'bearer' | 'query' | 'cookie';

export interface GivenToken {
  value: string;
  source: TokenSource;
}

/** The token a request presents, if any (bearer header first, then query, then cookie). */
export function givenToken(
  authorization: string | null | undefined,
  cookie: string | null | undefined,
  url: URL,
): GivenToken | undefined {
  if (authorization?.startsWith('Bearer '))
    return { value: authorization.slice(7), source: 'bearer' };
  const query = url.searchParams.get('token');
  if (query !== null) return { value: query, source: 'query' };
  const fromCookie = cookieValue(cookie, TOKEN_COOKIE);
  return fromCookie === undefined ? undefined : { value: fromCookie, source: 'cookie' };
}

/** The `Set-Cookie` value that keeps a browser logged in: HttpOnly, SameSite=Strict, whole site. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
