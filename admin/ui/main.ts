/**
 * The admin page's browser script (entry point), bundled by esbuild into
 * `/admin/admin.js` (see admin/assets.ts). Plain DOM, no framework: it polls the
 * JSON API every 2 s (status, approvals, pairing, stats, nodes, and the WhatsApp QR while
 * a `whatsapp` channel exists), draws the charts with uPlot and calls the API for
 * actions.
 */
import { api, errorText } from './api.js';
import { renderStats } from './charts.js';
import { $ } from './dom.js';
import { loadJobs } from './jobs.js';
import { renderNodes } from './nodes.js';
import {
  checkProvider,
  renderApprovals,
  renderMcp,
  renderPairing,
  renderStatus,
  renderTools,
} from './panels.js';
import { loadSessions, setupSessions } from './sessions.js';
import type { Approval, McpServer, Nodes, PairingRequest, Stats, Status, Tool } from './types.js';
import { loadUsage } from './usage.js';

if (new URLSearchParams(location.search).get('token'))
  history.replaceState(null, '', location.pathname);

let busy = false;
async function tick(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    const [status, approvals, pairing, stats, mcp, nodes] = await Promise.all([
      api<Status>('GET', '/api/status'),
      api<Approval[]>('GET', '/api/approvals'),
      api<PairingRequest[]>('GET', '/api/pairing'),
      api<Stats>('GET', '/api/stats'),
      api<McpServer[]>('GET', '/api/mcp'),
      api<Nodes>('GET', '/api/nodes'),
    ]);
    renderStatus(status);
    renderApprovals(approvals, tick);
    renderPairing(pairing, tick);
    renderStats(stats);
    renderMcp(mcp);
    renderNodes(nodes);
  } catch (error) {
    $('meta').textContent = `not connected: ${errorText(error)}`;
  } finally {
    busy = false;
  }
}

$('ping').addEventListener('click', () => void checkProvider('POST', '/api/provider/ping'));
$('models').addEventListener('click', () => void checkProvider('GET', '/api/provider/models'));
$('refresh-usage').addEventListener('click', () => void loadUsage());
$('refresh-jobs').addEventListener('click', () => void loadJobs().catch(() => {}));
setupSessions();
void tick();
void loadSessions().catch(() => {});
void loadJobs().catch(() => {});
void api<Tool[]>('GET', '/api/tools')
  .then(renderTools)
  .catch(() => {});
void loadUsage().catch(() => {});
setInterval(() => void tick(), 2000);
setInterval(() => void loadUsage().catch(() => {}), 60_000);
