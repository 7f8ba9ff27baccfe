/** The admin page's panels: channels (with the WhatsApp QR), approvals, pairing, tools and provider checks. */
import { api, errorText, path } from './api.js';
import { $, ago, el, fill } from './dom.js';
import type {
  Approval,
  ChannelStatus,
  McpServer,
  PairingRequest,
  ProviderCheck,
  Status,
  Tool,
  WhatsAppQr,
} from './types.js';

/** Shows an error in the provider box (the page's one message line). */
export function alertLine(error: unknown): void {
  $('provider').textContent = `Error: ${errorText(error)}`;
}

export function renderStatus(status: Status): void {
  $('meta').textContent =
    `model ${status.model} · up ${uptime(status.uptimeSeconds)} · queue ${status.queue.depth} waiting, ` +
    `${status.queue.active} running` +
    (status.cluster
      ? ` · node ${status.cluster.nodeId} (${status.cluster.role}) of ${status.cluster.nodes.length}`
      : '');
  fill($('channels'), status.channels.map(channelCard), 'No channels are enabled.');
  const hasWhatsApp = status.channels.some((c) => c.id === 'whatsapp');
  $('whatsapp-section').hidden = !hasWhatsApp;
  if (hasWhatsApp) void refreshQr();
}

/** One channel: state, what it says, and its current or last error with the fix. */
function channelCard(c: ChannelStatus): HTMLElement {
  const failing = c.state === 'error' || c.state === 'logged_out';
  const problem = failing
    ? { message: c.detail ?? c.state, fix: c.fix, past: false, at: c.since }
    : c.lastError
      ? { ...c.lastError, past: true }
      : undefined;
  return el('div', { class: 'card', 'data-channel': c.id, 'data-state': c.state }, [
    el('div', { class: 'top' }, [
      el('strong', { text: c.id }),
      el('span', { class: `badge state ${c.state}`, text: c.state.replace('_', ' ') }),
    ]),
    !failing && c.detail ? el('div', { class: 'detail', text: c.detail }) : null,
    el('div', { class: 'since', text: `since ${ago(c.since)}` }),
    problem
      ? el('div', { class: `problem${problem.past ? ' past' : ''}`, 'data-problem': '' }, [
          el('div', {
            text: problem.past
              ? `Last error ${ago(problem.at)}: ${problem.message}`
              : `Error: ${problem.message}`,
          }),
          problem.fix ? el('div', { class: 'fix', text: `Fix: ${problem.fix}` }) : null,
        ])
      : null,
  ]);
}

function uptime(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The pairing state in words: "Waiting for the scan", "Linked as +49…". */
function qrState(qr: WhatsAppQr): string {
  const words: Record<string, string> = {
    qr: 'Waiting for the scan: this code changes every few seconds.',
    connected: 'Linked',
    logged_out: 'Logged out: start the pairing again.',
  };
  return (words[qr.state] ?? qr.state) + (qr.number ? ` as ${qr.number}` : '');
}

async function refreshQr(): Promise<void> {
  try {
    const qr = await api<WhatsAppQr>('GET', '/api/channels/whatsapp/qr');
    const nodes = [el('div', { class: 'state', text: qrState(qr) })];
    if (qr.qrDataUrl)
      nodes.push(
        el('img', {
          src: qr.qrDataUrl,
          alt: 'WhatsApp QR code: scan it in WhatsApp → Linked devices',
        }),
      );
    else if (qr.qr) nodes.push(el('pre', { text: qr.qr }));
    if (qr.detail) nodes.push(el('div', { class: 'detail', text: qr.detail }));
    fill($('qr'), nodes, '');
  } catch (error) {
    fill(
      $('qr'),
      [el('div', { class: 'empty', text: `QR not available: ${errorText(error)}` })],
      '',
    );
  }
}

export function renderApprovals(list: Approval[], refresh: () => Promise<void>): void {
  const answer = async (id: string, value: string) => {
    try {
      await api('POST', path('/api/approvals/{id}', { id }), { answer: value });
    } catch (error) {
      alertLine(error);
    }
    await refresh();
  };
  const button = (a: Approval, text: string, action: string) =>
    el('button', {
      text,
      'data-action': action,
      ...(action === 'approve' ? { class: 'primary' } : {}),
      onclick: () => void answer(a.id, action),
    });
  const items = list.map((a) =>
    el('div', { class: 'item', 'data-approval': a.id }, [
      el('div', {}, [
        el('strong', { text: a.tool + (a.sandboxed ? ' (sandbox)' : '') }),
        el('div', {}, [el('code', { text: a.args })]),
        el('div', {
          class: 'empty',
          text: `${a.id} · ${a.requestedBy} · expires ${new Date(a.expiresAt).toLocaleTimeString()}`,
        }),
      ]),
      el('div', { class: 'actions' }, [
        button(a, 'Approve', 'approve'),
        button(a, 'Allow for session', 'session'),
        button(a, 'Deny', 'deny'),
      ]),
    ]),
  );
  fill($('approvals'), items, 'Nothing waiting.');
}

export function renderPairing(list: PairingRequest[], refresh: () => Promise<void>): void {
  const pair = async (code: string, action: string) => {
    try {
      await api('POST', path('/api/pairing/{code}', { code }), { action });
    } catch (error) {
      alertLine(error);
    }
    await refresh();
  };
  const items = list.map((p) =>
    el('div', { class: 'item', 'data-pairing': p.code }, [
      el('div', {}, [
        el('strong', { text: `${p.code} ` }),
        el('span', {
          text: `${p.channel}:${p.senderId}${p.senderName ? ` (${p.senderName})` : ''}`,
        }),
      ]),
      el('div', { class: 'actions' }, [
        el('button', {
          text: 'Approve',
          class: 'primary',
          'data-action': 'approve',
          onclick: () => void pair(p.code, 'approve'),
        }),
        el('button', {
          text: 'Deny',
          'data-action': 'reject',
          onclick: () => void pair(p.code, 'reject'),
        }),
      ]),
    ]),
  );
  fill($('pairing'), items, 'No pairing requests.');
}

export function renderTools(list: Tool[]): void {
  const items = list.map((t) =>
    el('div', { class: 'item', 'data-tool': t.name }, [
      el('div', {}, [
        el('strong', { text: t.name }),
        el('div', { class: 'empty', text: t.description }),
      ]),
      el('div', {
        class: 'policy',
        text:
          t.policy +
          (t.sandboxed ? ' · sandbox' : '') +
          (t.unavailable ? ` · off: ${t.unavailable}` : ''),
      }),
    ]),
  );
  fill($('tools'), items, 'No tools.');
}

export function renderMcp(list: McpServer[]): void {
  const items = list.map((m) =>
    el('div', { class: 'item', 'data-mcp': m.name, 'data-state': m.state }, [
      el('div', {}, [
        el('strong', { text: `${m.name} (${m.transport})` }),
        el('div', {
          class: 'empty',
          text: m.tools.length ? m.tools.join(', ') : 'no tools offered',
        }),
      ]),
      el('div', {
        text:
          m.state +
          (m.error ? `: ${m.error}` : '') +
          (m.nextRetryAt ? ` · retry ${new Date(m.nextRetryAt).toLocaleTimeString()}` : ''),
      }),
    ]),
  );
  fill($('mcp'), items, 'No MCP servers configured.');
}

export async function checkProvider(method: string, url: string): Promise<void> {
  $('provider').textContent = 'asking…';
  try {
    const r = await api<ProviderCheck>(method, url);
    $('provider').textContent = r.ok
      ? r.models
        ? r.models.join('\n')
        : `OK: ${r.model} answered "${r.reply}" in ${r.latencyMs} ms`
      : `Failed: ${r.error}${r.fix ? `\nFix: ${r.fix}` : ''}`;
  } catch (error) {
    alertLine(error);
  }
}
