/**
 * One GET to an address checked in advance: node:http(s) with a `lookup` that
 * always answers the pinned IP, so a DNS answer changed after the check (rebinding)
 * cannot move the connection; TLS still verifies the hostname. The body is read up
 * to `maxBytes` and until `signal` aborts; what arrived by then is returned, cut.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface PinnedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  cut?: 'size' | 'time';
}

export function pinnedGet(
  url: URL,
  address: string,
  family: number,
  maxBytes: number,
  signal: AbortSignal,
): Promise<PinnedResponse> {
  const lookup = ((_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
    else (callback as (e: null, a: string, f: number) => void)(null, address, family);
  }) as LookupFunction;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        lookup,
        signal,
        headers: { 'user-agent': 'Parley fetch_url', accept: '*/*', 'accept-encoding': 'identity' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onAbort = () => done('time');
        const done = (cut?: 'size' | 'time') => {
          signal.removeEventListener('abort', onAbort);
          response.destroy();
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            ...(cut ? { cut } : {}),
          });
        };
        if ((response.statusCode ?? 0) >= 300 && (response.statusCode ?? 0) < 400) return done();
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
          if (size >= maxBytes) done('size');
        });
        response.on('end', () => done());
        response.on('error', () => done(signal.aborted ? 'time' : undefined));
        signal.addEventListener('abort', onAbort, { once: true });
      },
    );
    request.on('error', reject);
  });
}
