/**
 * The admin page's browser script, served as `/admin/admin.js`. Plain ES2020, no
 * framework: it polls the JSON API every 2 s (status, approvals, pairing, stats,
 * and the WhatsApp QR while a `whatsapp` channel exists), draws the charts as
 * inline SVG, and calls the API for actions. Every API path appears here as a
 * literal OpenAPI path (`path('/api/sessions/{id}', { id })`), which lets a test
 * check that each one is in the OpenAPI document.
 */

export function adminScript(): string {
  return SCRIPT;
}

const SCRIPT = String.raw`(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  if (new URLSearchParams(location.search).get('token')) history.replaceState(null, '', location.pathname);

  function path(template, params) {
    return template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(String(params[key])));
  }

  async function api(method, url, body) {
    const init = { method, headers: {}, credentials: 'same-origin' };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    const res = await fetch(url, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || ('HTTP ' + res.status));
    return data;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else if (value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function fill(container, nodes, emptyText) {
    container.replaceChildren(...(nodes.length ? nodes : [el('div', { class: 'empty', text: emptyText })]));
  }

  const ago = (ms) => { const s = Math.round((Date.now() - ms) / 1000); return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago'; };

  function renderStatus(status) {
    $('meta').textContent = 'model ' + status.model + ' · up ' + status.uptimeSeconds + ' s · queue ' + status.queue.depth + ' waiting, ' + status.queue.active + ' running';
    fill($('channels'), status.channels.map((c) => el('div', { class: 'card', 'data-channel': c.id, 'data-state': c.state }, [
      el('div', {}, [el('strong', { text: c.id + ' ' }), el('span', { class: 'state', text: c.state })]),
      c.detail ? el('div', { class: 'detail', text: c.detail }) : null,
      c.fix ? el('div', { class: 'fix', text: 'Fix: ' + c.fix }) : null,
      el('div', { class: 'empty', text: 'since ' + ago(c.since) }),
    ])), 'No channels.');
    const hasWhatsApp = status.channels.some((c) => c.id === 'whatsapp');
    $('whatsapp-section').hidden = !hasWhatsApp;
    if (hasWhatsApp) void refreshQr();
  }

  async function refreshQr() {
    try {
      const qr = await api('GET', '/api/channels/whatsapp/qr');
      const nodes = [el('div', { class: 'state', text: qr.state + (qr.number ? ' as ' + qr.number : '') })];
      if (qr.qrDataUrl) nodes.push(el('img', { src: qr.qrDataUrl, alt: 'WhatsApp QR code: scan it in WhatsApp → Linked devices' }));
      else if (qr.qr) nodes.push(el('pre', { text: qr.qr }));
      if (qr.detail) nodes.push(el('div', { class: 'detail', text: qr.detail }));
      fill($('qr'), nodes, '');
    } catch (error) {
      fill($('qr'), [el('div', { class: 'empty', text: 'QR not available: ' + error.message })], '');
    }
  }

  function renderApprovals(list) {
    fill($('approvals'), list.map((a) => el('div', { class: 'item', 'data-approval': a.id }, [
      el('div', {}, [el('strong', { text: a.tool + (a.sandboxed ? ' (sandbox)' : '') }), el('div', {}, [el('code', { text: a.args })]),
        el('div', { class: 'empty', text: a.id + ' · ' + a.requestedBy + ' · expires ' + new Date(a.expiresAt).toLocaleTimeString() })]),
      el('div', {}, [
        el('button', { text: 'Approve', 'data-action': 'approve', onclick: () => answer(a.id, 'approve') }),
        el('button', { text: 'Allow for session', 'data-action': 'session', onclick: () => answer(a.id, 'session') }),
        el('button', { text: 'Deny', 'data-action': 'deny', onclick: () => answer(a.id, 'deny') }),
      ]),
    ])), 'Nothing waiting.');
  }

  async function answer(id, value) {
    try { await api('POST', path('/api/approvals/{id}', { id }), { answer: value }); } catch (error) { alertLine(error); }
    await tick();
  }

  function renderPairing(list) {
    fill($('pairing'), list.map((p) => el('div', { class: 'item', 'data-pairing': p.code }, [
      el('div', {}, [el('strong', { text: p.code + ' ' }), el('span', { text: p.channel + ':' + p.senderId + (p.senderName ? ' (' + p.senderName + ')' : '') })]),
      el('div', {}, [
        el('button', { text: 'Approve', 'data-action': 'approve', onclick: () => pair(p.code, 'approve') }),
        el('button', { text: 'Deny', 'data-action': 'reject', onclick: () => pair(p.code, 'reject') }),
      ]),
    ])), 'No pairing requests.');
  }

  async function pair(code, action) {
    try { await api('POST', path('/api/pairing/{code}', { code }), { action }); } catch (error) { alertLine(error); }
    await tick();
  }

  function alertLine(error) { $('provider').textContent = 'Error: ' + error.message; }

  const SVG = 'http://www.w3.org/2000/svg';
  function drawChart(id, lines, label) {
    const figure = $(id);
    const svg = figure.querySelector('svg');
    const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v) => v !== null)));
    const n = Math.max(2, ...lines.map((l) => l.values.length));
    const nodes = lines.map((line) => {
      const points = line.values.map((v, i) => v === null ? null : (i * 300 / (n - 1)).toFixed(1) + ',' + (88 - (v / max) * 80).toFixed(1)).filter(Boolean).join(' ');
      const poly = document.createElementNS(SVG, 'polyline');
      poly.setAttribute('points', points);
      poly.setAttribute('fill', 'none');
      poly.setAttribute('stroke', line.color);
      poly.setAttribute('stroke-width', '2');
      poly.setAttribute('vector-effect', 'non-scaling-stroke');
      const group = document.createElementNS(SVG, 'g');
      group.appendChild(poly);
      const lastPoint = points.split(' ').pop();
      if (lastPoint) {
        const dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('cx', lastPoint.split(',')[0]); dot.setAttribute('cy', lastPoint.split(',')[1]);
        dot.setAttribute('r', '2.5'); dot.setAttribute('fill', line.color);
        group.appendChild(dot);
      }
      return group;
    });
    const top = document.createElementNS(SVG, 'text');
    top.setAttribute('x', '4'); top.setAttribute('y', '12'); top.setAttribute('font-size', '10'); top.setAttribute('fill', 'currentColor');
    top.textContent = 'max ' + Math.round(max);
    svg.replaceChildren(top, ...nodes);
    const last = lines[0].values[lines[0].values.length - 1];
    figure.dataset.last = String(last === null ? '' : last);
    figure.querySelector('.value').textContent = label;
  }

  function perMinute(buckets, key, bucketMs) {
    const per = Math.max(1, Math.round(60000 / bucketMs));
    return buckets.map((_, i) => buckets.slice(Math.max(0, i - per + 1), i + 1).reduce((sum, b) => sum + b[key], 0));
  }

  function renderStats(stats) {
    const b = stats.buckets;
    const messages = perMinute(b, 'messagesIn', stats.bucketMs);
    drawChart('chart-messages', [{ values: messages, color: '#2b6cb0' }], (messages[messages.length - 1] || 0) + '/min · ' + stats.totals.messagesIn + ' total');
    drawChart('chart-queue', [{ values: b.map((x) => x.queueDepth), color: '#2a9d55' }], stats.queueDepth + ' waiting');
    const p50 = b.map((x) => x.latencyP50), p99 = b.map((x) => x.latencyP99);
    const lastP = b.filter((x) => x.latencyP50 !== null).pop();
    drawChart('chart-latency', [{ values: p50, color: '#2b6cb0' }, { values: p99, color: '#d33' }], lastP ? lastP.latencyP50 + ' / ' + lastP.latencyP99 + ' ms' : 'no replies yet');
    const runs = perMinute(b, 'sandboxRuns', stats.bucketMs);
    drawChart('chart-sandbox', [{ values: runs, color: '#c60' }], (runs[runs.length - 1] || 0) + '/min · ' + stats.totals.sandboxRuns + ' total');
  }

  function renderTools(list) {
    fill($('tools'), list.map((t) => el('div', { class: 'item', 'data-tool': t.name }, [
      el('div', {}, [el('strong', { text: t.name }), el('div', { class: 'empty', text: t.description })]),
      el('div', { text: t.policy + (t.sandboxed ? ' · sandbox' : '') + (t.unavailable ? ' · off: ' + t.unavailable : '') }),
    ])), 'No tools.');
  }

  async function loadSessions() {
    const list = await api('GET', '/api/sessions?limit=100');
    const rows = list.map((s) => el('tr', { 'data-session': String(s.id) }, [
      el('td', { text: String(s.id) }), el('td', { text: s.key + (s.endedAt ? ' (ended)' : '') }), el('td', { text: s.chatType }),
      el('td', { text: String(s.messages) }), el('td', { text: s.lastAt ? ago(s.lastAt) : '' }),
      el('td', {}, [
        el('button', { text: 'Transcript', 'data-action': 'transcript', onclick: () => showTranscript(s.id) }),
        s.userId ? el('a', { href: '/api/export?channel=' + encodeURIComponent(s.channel) + '&user=' + encodeURIComponent(s.userId), 'data-action': 'export', download: '' }, [document.createTextNode(' Export ')]) : null,
        el('button', { text: 'Purge', 'data-action': 'purge', onclick: () => purge(s.id) }),
      ]),
    ]));
    fill($('sessions'), rows, 'No sessions yet.');
  }

  async function showTranscript(id) {
    const data = await api('GET', path('/api/sessions/{id}', { id }));
    $('transcript-section').hidden = false;
    $('transcript-title').textContent = '#' + data.session.id + ' ' + data.session.key;
    fill($('transcript'), data.messages.map((m) => el('div', { class: 'msg', 'data-role': m.role }, [
      el('span', { class: 'role', text: m.role + (m.senderName ? ' (' + m.senderName + ')' : '') }),
      el('span', { text: m.content !== null && m.content !== undefined ? m.content : (m.toolCalls || []).map((c) => c.function.name + '(' + c.function.arguments + ')').join(', ') }),
    ])), 'Empty session.');
  }

  async function purge(id) {
    if (!confirm('Delete session #' + id + ' and all its messages?')) return;
    await api('DELETE', path('/api/sessions/{id}', { id }));
    $('transcript-section').hidden = true;
    await loadSessions();
  }

  async function provider(method, url) {
    $('provider').textContent = 'asking…';
    try {
      const r = await api(method, url);
      $('provider').textContent = r.ok
        ? (r.models ? r.models.join('\n') : 'OK: ' + r.model + ' answered "' + r.reply + '" in ' + r.latencyMs + ' ms')
        : 'Failed: ' + r.error + (r.fix ? '\nFix: ' + r.fix : '');
    } catch (error) { alertLine(error); }
  }

  let busy = false;
  async function tick() {
    if (busy) return;
    busy = true;
    try {
      const [status, approvals, pairing, stats] = await Promise.all([
        api('GET', '/api/status'), api('GET', '/api/approvals'), api('GET', '/api/pairing'), api('GET', '/api/stats'),
      ]);
      renderStatus(status); renderApprovals(approvals); renderPairing(pairing); renderStats(stats);
    } catch (error) {
      $('meta').textContent = 'not connected: ' + error.message;
    } finally { busy = false; }
  }

  $('ping').addEventListener('click', () => provider('POST', '/api/provider/ping'));
  $('models').addEventListener('click', () => provider('GET', '/api/provider/models'));
  $('refresh-sessions').addEventListener('click', () => void loadSessions());
  void tick();
  void loadSessions().catch(() => {});
  void api('GET', '/api/tools').then(renderTools).catch(() => {});
  setInterval(tick, 2000);
})();
`;
