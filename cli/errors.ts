/**
 * Why `parley start` could not start, as one sentence with the fix. The HTTP
 * server listens before anything else, so a port conflict is the usual case:
 * it names the variable that changes the port.
 */
import type { ParleyConfig } from './config/schema.js';

export function startFailure(error: unknown, config: ParleyConfig): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const where = `${config.web.host}:${config.web.port}`;
  if (code === 'EADDRINUSE')
    return `port ${config.web.port} on ${config.web.host} is already in use (another Parley or another program). Fix: stop that process, or choose another port with PARLEY_WEB_PORT (web.port in parley.yaml), e.g. PARLEY_WEB_PORT=${config.web.port === 0 ? 8788 : config.web.port + 1}.`;
  if (code === 'EACCES')
    return `not allowed to listen on ${where} (ports below 1024 need root). Fix: set PARLEY_WEB_PORT (web.port) to 1024 or above.`;
  if (code === 'EADDRNOTAVAIL')
    return `${config.web.host} is not an address of this machine. Fix: set PARLEY_WEB_HOST (web.host) to 127.0.0.1, or 0.0.0.0 for all interfaces.`;
  return message ?? String(error);
}
