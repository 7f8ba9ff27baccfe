/** The admin page's panels: channels (with the WhatsApp QR), approvals, pairing, tools and provider checks. */
import { api, errorText, path } from './api.js';
import { $, ago, el, fill } from './dom.js';
import type { Approval, PairingRequest, ProviderCheck, Status, Tool, WhatsAppQr } from './types.js';

/** Shows an error in the provider box (the page's one message line). */
export function alertLine(error: unknown): void {
  $('provider').textContent = `Error: ${errorText(error)}`;
}

export function renderStatus(status: Status): void {
  $('meta').textContent =
    `model ${status.model} · up ${status.uptimeSeconds} s · queue ${status.queue.depth} waiting, ` +
    `${status.queue.active} running` +
    (status.cluster
      ? ` · node ${status.cluster.nodeId} (${status.cluster.role}) · ` +
        status.cluster.nodes
          .map(
            (n) =>
              `${n.nodeId}: ${n.role}, ${n.lanes} lanes${n.leases.length ? `, ${n.leases.join(' ')}` : ''}`,
          )
          .join('; ')
      : '');
  const cards = status.channels.map((c) =>
    el('div', { class: 'card', 'data-channel': c.id, 'data-state': c.state }, [
      el('div', {}, [
        el('strong', { text: `${c.id} ` }),
        el('span', { class: 'state', text: c.state }),
      ]),
      c.detail ? el('div', { class: 'detail', text: c.detail }) : null,
      c.fix ? el('div', { class: 'fix', text: `Fix: ${c.fix}` }) : null,
      el('div', { class: 'empty', text: `since ${ago(c.since)}` }),
    ]),
  );
  fill($('channels'), cards, 'No channels.');
  const hasWhatsApp = status.channels.some((c) => c.id === 'whatsapp');
  $('whatsapp-section').hidden = !hasWhatsApp;
  if (hasWhatsApp) void refreshQr();
}

async function refreshQr(): Promise<void> {
  try {
    const qr = await api<WhatsAppQr>('GET', '/api/channels/whatsapp/qr');
    const nodes = [
      el('div', { class: 'state', text: qr.state + (qr.number ? ` as ${qr.number}` : '') }),
    ];
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
    el('button', { text, 'data-action': action, onclick: () => void answer(a.id, action) });
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
      el('div', {}, [
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
      el('div', {}, [
        el('button', {
          text: 'Approve',
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
        text:
          t.policy +
          (t.sandboxed ? ' · sandbox' : '') +
          (t.unavailable ? ` · off: ${t.unavailable}` : ''),
      }),
    ]),
  );
  fill($('tools'), items, 'No tools.');
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
