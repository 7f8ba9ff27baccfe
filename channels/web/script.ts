/**
 * The web chat page's script, served as `/web/chat.js` (plain browser JavaScript,
 * no build step). What it does:
 *
 * - conversations: lists them from `/web/conversations`, opens one per WebSocket
 *   (`/ws?client=<id>&since=<seq>`), starts, renames and deletes them; the open
 *   one is remembered in localStorage, the history always comes from the server;
 * - messages: shows a sent message at once (faded) until the server echoes it
 *   back as a `user` entry; re-sends unacknowledged frames after a reconnect (the
 *   server deduplicates them by id); refuses an over-long message in place;
 * - replies: streamed deltas as plain text, then the final message as the HTML the
 *   server rendered (Markdown without raw HTML), with a copy button on each code
 *   block; approval buttons stay until a `decision` entry replaces them;
 * - files: 📎, drop or paste upload to `/web/upload` first, the message carries
 *   their ids; Stop sends `/stop` while an answer is running.
 */
export function chatScript(): string {
  return SCRIPT;
}

const SCRIPT = String.raw`(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const log = $('log'), input = $('input'), state = $('state'), typing = $('typing');
  const errorBox = $('error'), stopButton = $('stop'), filesBox = $('pending-files');
  const MAX = Number(document.body.dataset.max);
  if (new URLSearchParams(location.search).get('token')) history.replaceState(null, '', location.pathname);

  let conversations = [];
  let current = localStorage.getItem('parley.conversation') || localStorage.getItem('parley.client') || '';
  let ws, delay = 500, typingTimer, lastSeq = 0, busy = false, generation = 0;
  const unacked = new Map();     // frame id → frame, until acknowledged
  const pendingBubbles = new Map(); // frame id → { div, text } shown before the server echoed it
  const shown = new Set();       // ids of user entries and decisions already on screen
  const drafts = new Map();      // replyId → streaming bubble
  let pendingFiles = [];         // uploads waiting for the next message

  // Icons as constant SVG markup (no emoji font needed).
  const ICONS = {
    rename: '<path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/>',
    delete: '<path d="M3 6h18"/><path d="M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6m3 0V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"/>',
    image: '<rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="8.5" cy="8.5" r="1.5"/><path d="M21 15l-5-5L5 21"/>',
    document: '<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/><path d="M14 2v6h6"/>',
  };
  function icon(name) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('class', 'icon'); svg.setAttribute('aria-hidden', 'true');
    svg.innerHTML = ICONS[name] || ICONS.document;
    return svg;
  }
  const newId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  const frameId = (prefix) => prefix + Date.now().toString(36) + Math.random().toString(16).slice(2, 8);

  async function api(method, path, body, headers) {
    const response = await fetch(path, {
      method, body, credentials: 'same-origin',
      headers: Object.assign(method === 'GET' ? {} : { 'x-parley-request': '1' }, headers || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  // ── conversations ──────────────────────────────────────────────────────────
  async function loadConversations() {
    try { conversations = (await api('GET', '/web/conversations')).conversations; } catch (e) { showError('conversation list: ' + e.message); }
    renderConversations();
  }
  function renderConversations() {
    const nav = $('conversations');
    nav.replaceChildren();
    const list = conversations.slice();
    if (!list.some((c) => c.id === current)) list.unshift({ id: current, title: 'New chat' });
    for (const c of list) {
      const row = document.createElement('div');
      row.className = 'conv' + (c.id === current ? ' current' : '');
      row.dataset.id = c.id;
      const open = document.createElement('button');
      open.type = 'button'; open.className = 'open'; open.textContent = c.title; open.title = c.title;
      open.onclick = () => { document.body.classList.remove('nav-open'); if (c.id !== current) openConversation(c.id); };
      row.appendChild(open);
      if (conversations.some((k) => k.id === c.id)) {
        row.appendChild(tool('rename', () => startRename(row, c)));
        row.appendChild(tool('delete', () => removeConversation(c)));
      }
      nav.appendChild(row);
    }
    const here = conversations.find((c) => c.id === current);
    $('title').textContent = here ? here.title : 'New chat';
  }
  function tool(name, onclick) {
    const b = document.createElement('button');
    b.type = 'button'; b.className = 'tool ' + name; b.appendChild(icon(name)); b.title = name; b.setAttribute('aria-label', name);
    b.onclick = onclick;
    return b;
  }
  function startRename(row, c) {
    const field = document.createElement('input');
    field.value = c.title; field.setAttribute('aria-label', 'new name');
    row.replaceChildren(field);
    field.focus(); field.select();
    let done = false;
    const finish = async (save) => {
      if (done) return; done = true;
      if (save && field.value.trim() && field.value.trim() !== c.title) {
        try { await api('PUT', '/web/conversations/' + c.id, JSON.stringify({ title: field.value.trim() }), { 'content-type': 'application/json' }); }
        catch (e) { showError('rename: ' + e.message); }
      }
      loadConversations();
    };
    field.onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); finish(true); } else if (e.key === 'Escape') finish(false); };
    field.onblur = () => finish(true);
  }
  async function removeConversation(c) {
    if (!confirm('Delete “' + c.title + '” and its history?')) return;
    try { await api('DELETE', '/web/conversations/' + c.id); } catch (e) { showError('delete: ' + e.message); return; }
    conversations = conversations.filter((k) => k.id !== c.id);
    if (c.id === current) openConversation(conversations[0] ? conversations[0].id : newId());
    else renderConversations();
  }
  function openConversation(id) {
    current = id;
    localStorage.setItem('parley.conversation', id);
    generation++;
    lastSeq = 0; unacked.clear(); pendingBubbles.clear(); shown.clear(); drafts.clear();
    pendingFiles = []; renderFiles(); setBusy(false); errorBox.textContent = '';
    log.replaceChildren();
    renderConversations();
    if (ws) { ws.onclose = null; ws.close(); }
    connect();
  }

  // ── rendering ──────────────────────────────────────────────────────────────
  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function add(el, force) {
    const stick = force || atBottom();
    log.appendChild(el);
    if (stick) log.scrollTop = log.scrollHeight;
    return el;
  }
  function bubble(cls, text) {
    const div = document.createElement('div');
    div.className = 'msg ' + cls;
    div.textContent = text;
    return div;
  }
  function fileChips(list) {
    const box = document.createElement('div');
    box.className = 'files';
    for (const f of list) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      if (f.preview) { const img = document.createElement('img'); img.src = f.preview; img.alt = ''; chip.appendChild(img); }
      else chip.appendChild(icon(f.kind === 'image' ? 'image' : 'document'));
      const name = document.createElement('span');
      name.textContent = f.name + ' · ' + size(f.size);
      chip.appendChild(name);
      box.appendChild(chip);
    }
    return box;
  }
  function size(n) { return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(0) + ' KB' : (n / 1048576).toFixed(1) + ' MB'; }
  function userEntry(frame) {
    const text = frame.text || '';
    if (/^\/(new|reset)\b/.test(text.trim())) {
      const sep = document.createElement('div');
      sep.className = 'separator'; sep.setAttribute('role', 'separator');
      sep.textContent = 'New session — the agent starts fresh from here';
      return sep;
    }
    if (/^\/stop\b/.test(text.trim())) {
      const note = document.createElement('div');
      note.className = 'note'; note.textContent = 'You stopped the answer';
      return note;
    }
    const div = bubble('user', text);
    if (frame.attachments && frame.attachments.length) div.appendChild(fileChips(frame.attachments));
    return div;
  }
  function botEntry(frame) {
    const div = document.createElement('div');
    div.className = 'msg bot';
    div.innerHTML = frame.html; // rendered by the server from Markdown, raw HTML escaped
    div.dataset.seq = frame.seq;
    for (const pre of div.querySelectorAll('pre')) {
      const box = document.createElement('div');
      box.className = 'code';
      const bar = document.createElement('div');
      bar.className = 'bar';
      const lang = document.createElement('span');
      lang.textContent = pre.dataset.lang || 'code';
      const copy = document.createElement('button');
      copy.type = 'button'; copy.className = 'copy'; copy.textContent = 'Copy';
      copy.onclick = () => copyText(pre.textContent, copy);
      bar.append(lang, copy);
      pre.replaceWith(box);
      box.append(bar, pre);
    }
    if (frame.buttons) div.appendChild(buttonRow(frame.buttons));
    return div;
  }
  function copyText(text, button) {
    const done = () => { button.textContent = 'Copied'; setTimeout(() => (button.textContent = 'Copy'), 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    else fallbackCopy(text, done);
  }
  function fallbackCopy(text, done) {
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); done(); } finally { area.remove(); }
  }
  function buttonRow(list) {
    const row = document.createElement('div');
    row.className = 'buttons';
    for (const b of list) {
      const el = document.createElement('button');
      el.type = 'button'; el.textContent = b.label; el.dataset.data = b.data;
      if (/:approve$/.test(b.data)) el.className = 'primary';
      el.onclick = () => {
        for (const other of row.querySelectorAll('button')) other.disabled = true;
        send({ type: 'action', id: frameId('a'), data: b.data });
      };
      row.appendChild(el);
    }
    return row;
  }
  function decide(frame) {
    for (const row of log.querySelectorAll('.buttons')) {
      const chosen = Array.from(row.querySelectorAll('button')).find((b) => b.dataset.data === frame.data);
      if (!chosen) continue;
      const note = document.createElement('div');
      const denied = /:deny$/.test(frame.data);
      note.className = 'decision ' + (denied ? 'denied' : 'approved');
      note.textContent = (denied ? '✕ ' : '✓ ') + 'You chose: ' + chosen.textContent;
      row.replaceWith(note);
      return;
    }
  }
  // After a burst of frames (a replay, or an approval arriving): show the newest
  // unanswered approval, or the end of the conversation when none is waiting.
  let revealing = false;
  function revealSoon() {
    if (revealing) return;
    revealing = true;
    requestAnimationFrame(() => {
      revealing = false;
      const rows = log.querySelectorAll('.buttons');
      const waiting = rows[rows.length - 1];
      if (waiting) waiting.closest('.msg').scrollIntoView({ block: 'nearest' });
      else log.scrollTop = log.scrollHeight;
    });
  }
  function setBusy(value) { busy = value; stopButton.hidden = !busy; }
  function showError(text) { errorBox.textContent = text; }

  // ── frames ─────────────────────────────────────────────────────────────────
  function onFrame(frame) {
    if (frame.seq) lastSeq = Math.max(lastSeq, frame.seq);
    if (frame.type === 'ack') unacked.delete(frame.id);
    else if (frame.type === 'typing') {
      const asking = log.lastElementChild && log.lastElementChild.querySelector('.buttons');
      typing.textContent = asking ? 'Waiting for your answer above…' : 'Parley is typing…';
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.textContent = ''), 5000);
    } else if (frame.type === 'delta') {
      let div = drafts.get(frame.replyId);
      if (!div) { div = add(bubble('bot streaming', '')); drafts.set(frame.replyId, div); setBusy(true); }
      const stick = atBottom();
      div.textContent += frame.text;
      if (stick) log.scrollTop = log.scrollHeight;
    } else if (frame.type === 'user') {
      if (shown.has(frame.id)) return;
      shown.add(frame.id);
      const mine = pendingBubbles.get(frame.id);
      const entry = userEntry(frame);
      if (mine) { pendingBubbles.delete(frame.id); mine.div.replaceWith(entry); }
      else add(entry);
    } else if (frame.type === 'decision') {
      if (shown.has(frame.id)) return;
      shown.add(frame.id);
      decide(frame);
      if (typing.textContent.startsWith('Waiting')) typing.textContent = '';
      revealSoon();
    } else if (frame.type === 'message') {
      for (const div of drafts.values()) div.remove();
      drafts.clear();
      typing.textContent = '';
      add(botEntry(frame));
      // A question for the user (an approval): the turn waits, and the server sends no
      // "typing" while it does, so the line says what it waits for until the answer.
      if (frame.buttons) {
        revealSoon();
        clearTimeout(typingTimer);
        typing.textContent = 'Waiting for your answer above…';
      } else setBusy(false);
      if (!conversations.some((c) => c.id === current)) loadConversations();
    } else if (frame.type === 'deleted') {
      loadConversations().then(() => openConversation(conversations[0] ? conversations[0].id : newId()));
    } else if (frame.type === 'error') {
      const mine = frame.id && pendingBubbles.get(frame.id);
      if (mine) {
        pendingBubbles.delete(frame.id); unacked.delete(frame.id); mine.div.remove();
        if (!input.value) input.value = mine.text;
        setBusy(false);
      }
      showError(frame.error);
    }
  }
  function send(frame) {
    unacked.set(frame.id, frame);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }
  function connect() {
    const mine = generation;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(proto + '://' + location.host + '/ws?client=' + current + '&since=' + lastSeq);
    ws = socket;
    socket.onopen = () => {
      state.textContent = 'connected';
      delay = 500;
      for (const frame of unacked.values()) socket.send(JSON.stringify(frame));
    };
    socket.onmessage = (event) => { if (mine === generation) onFrame(JSON.parse(event.data)); };
    socket.onclose = () => {
      if (mine !== generation) return;
      state.textContent = 'reconnecting…';
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  // ── sending ────────────────────────────────────────────────────────────────
  $('form').onsubmit = (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text && pendingFiles.length === 0) return;
    if (text.length > MAX) { showError('message too long (max ' + MAX + ')'); return; }
    if (pendingFiles.some((f) => !f.id)) { showError('wait until the files are uploaded'); return; }
    errorBox.textContent = '';
    input.value = '';
    const id = frameId('m');
    const frame = { type: 'message', id, text };
    if (pendingFiles.length) frame.attachments = pendingFiles.map((f) => f.id);
    const div = userEntry({ text, attachments: pendingFiles });
    div.classList.add('pending');
    add(div, true);
    pendingBubbles.set(id, { div, text });
    pendingFiles = []; renderFiles();
    if (!/^\/(new|reset|stop|help|status|whoami)\b/.test(text)) setBusy(true);
    send(frame);
  };
  input.onkeydown = (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); $('form').requestSubmit(); }
  };
  stopButton.onclick = () => {
    for (const div of drafts.values()) div.classList.add('stopped');
    send({ type: 'message', id: frameId('s'), text: '/stop' });
    setBusy(false);
  };
  $('new-chat').onclick = () => { document.body.classList.remove('nav-open'); openConversation(newId()); input.focus(); };
  $('menu').onclick = (event) => { event.stopPropagation(); document.body.classList.toggle('nav-open'); };
  $('chat').addEventListener('click', () => document.body.classList.remove('nav-open'));

  // ── files ──────────────────────────────────────────────────────────────────
  function renderFiles() {
    filesBox.replaceChildren();
    for (const f of pendingFiles) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      if (f.preview) { const img = document.createElement('img'); img.src = f.preview; img.alt = ''; chip.appendChild(img); }
      const name = document.createElement('span');
      name.textContent = f.name + (f.id ? ' · ' + size(f.size) : ' · uploading…');
      chip.appendChild(name);
      const remove = document.createElement('button');
      remove.type = 'button'; remove.textContent = '×'; remove.setAttribute('aria-label', 'remove ' + f.name);
      remove.onclick = () => { pendingFiles = pendingFiles.filter((k) => k !== f); renderFiles(); };
      chip.appendChild(remove);
      filesBox.appendChild(chip);
    }
  }
  async function upload(files) {
    for (const file of files) {
      const entry = { name: file.name || 'pasted', size: file.size, kind: /^image\//.test(file.type) ? 'image' : 'document' };
      if (entry.kind === 'image') entry.preview = URL.createObjectURL(file);
      pendingFiles.push(entry); renderFiles();
      try {
        const receipt = await api('POST', '/web/upload?conversation=' + current + '&name=' + encodeURIComponent(entry.name), file,
          { 'content-type': 'application/octet-stream' });
        Object.assign(entry, { id: receipt.id, size: receipt.size, kind: receipt.kind });
      } catch (e) {
        pendingFiles = pendingFiles.filter((k) => k !== entry);
        showError('upload of ' + entry.name + ' failed: ' + e.message);
      }
      renderFiles();
    }
  }
  $('attach').onclick = () => $('file').click();
  $('file').onchange = () => { upload(Array.from($('file').files)); $('file').value = ''; };
  input.addEventListener('paste', (event) => {
    const files = Array.from(event.clipboardData ? event.clipboardData.files : []);
    if (files.length) { event.preventDefault(); upload(files); }
  });
  let dragDepth = 0;
  window.addEventListener('dragenter', (e) => { if (e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files')) { dragDepth++; $('drop').hidden = false; } });
  window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop').hidden = true; } });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault(); dragDepth = 0; $('drop').hidden = true;
    if (e.dataTransfer && e.dataTransfer.files.length) upload(Array.from(e.dataTransfer.files));
  });
  window.addEventListener('focus', loadConversations);

  // ── start ──────────────────────────────────────────────────────────────────
  loadConversations().then(() => {
    if (!current) current = conversations[0] ? conversations[0].id : newId();
    openConversation(current);
  });
})();
`;
