/** Readiness of a running Parley: the database is open, the server listens and no channel is still starting. */
import type { ChannelAdapter } from '../core/contract.js';

export interface ReadinessFacts {
  stores: { open: boolean };
  url: string;
  channels: ChannelAdapter[];
}

export function readiness(app: ReadinessFacts): { ready: boolean; checks: Record<string, string> } {
  const checks: Record<string, string> = {
    database: app.stores.open ? 'open' : 'closed',
    server: app.url ? 'listening' : 'starting',
  };
  for (const channel of app.channels)
    checks[`channel:${channel.id}`] = channel.status?.().state ?? 'unknown';
  const starting = Object.values(checks).some((v) => v === 'starting' || v === 'closed');
  return { ready: !starting, checks };
}
