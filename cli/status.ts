/**
 * `parley status`: asks the running Parley's admin API (`GET /api/status` on the
 * configured web host and port) and prints each channel's state, the queue and
 * pending approvals and pairing requests. The token comes from `web.token` or,
 * when Parley generated one, from the database (meta key `web.token`).
 */
import type { ChannelStatus } from '../core/contract.js';

import type { ParleyConfig } from './config/schema.js';
import { openStores } from './stores.js';

export interface StatusReport {
  uptimeSeconds: number;
  model: string;
  providerMissing: string | null;
  queue: { depth: number; active: number };
  channels: (ChannelStatus & { id: string })[];
  pendingApprovals: number;
  pendingPairing: number;
}

interface PendingApproval {
  id: string;
  tool: string;
  args: string;
  requestedBy: string;
}

/** Where the running Parley listens, as seen from this machine. */
export function adminUrl(config: ParleyConfig): string {
  const host = ['0.0.0.0', '::', ''].includes(config.web.host) ? '127.0.0.1' : config.web.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.web.port}`;
}

/** The access token: from config, else the one Parley stored in its database. */
export async function accessToken(config: ParleyConfig): Promise<string | undefined> {
  if (config.web.token) return config.web.token;
  const stores = await openStores(config);
  try {
    return await stores.meta.get('web.token');
  } finally {
    await stores.close();
  }
}

export function formatStatus(report: StatusReport): string[] {
  const lines = [
    `Parley up ${report.uptimeSeconds} s, model ${report.model}`,
    `Queue: ${report.queue.depth} waiting, ${report.queue.active} running`,
    `Pending approvals: ${report.pendingApprovals}   Pairing requests: ${report.pendingPairing}`,
    'Channels:',
  ];
  for (const c of report.channels) {
    lines.push(`  ${c.id.padEnd(10)} ${c.state}${c.detail ? ` (${c.detail})` : ''}`);
    if (c.fix) lines.push(`             fix: ${c.fix}`);
  }
  if (report.providerMissing) lines.push(`Warning: ${report.providerMissing}`);
  return lines;
}

export async function statusCommand(
  _args: string[],
  config: ParleyConfig,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  if (!config.web.enabled) {
    out('The web server is off (web.enabled: false), so there is no admin API to ask.');
    return 1;
  }
  const url = adminUrl(config);
  const token = await accessToken(config);
  let res: Response;
  try {
    res = await fetch(`${url}/api/status`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    out(
      `Parley is not answering at ${url} (${(error as Error).message}). Is it running? Start it with \`parley start\`.`,
    );
    return 1;
  }
  if (res.status === 401) {
    out(
      `Parley at ${url} refused the access token. Use the same web.token (PARLEY_WEB_TOKEN) and data folder as the running Parley.`,
    );
    return 1;
  }
  if (!res.ok) {
    out(`Parley at ${url} answered HTTP ${res.status}.`);
    return 1;
  }
  const report = (await res.json()) as StatusReport;
  for (const line of formatStatus(report)) out(line);
  if (report.pendingApprovals > 0) {
    const approvals = await fetch(`${url}/api/approvals`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5000),
    })
      .then((r) => r.json() as Promise<PendingApproval[]>)
      .catch((): PendingApproval[] => []);
    for (const a of approvals)
      out(
        `  approval ${a.id}: ${a.tool} ${a.args} (asked by ${a.requestedBy}); answer on ${url}/admin`,
      );
  }
  return 0;
}
