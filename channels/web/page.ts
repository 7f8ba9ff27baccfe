/**
 * The web chat page: one self-contained HTML document (no build step, no external
 * assets). The browser keeps a client id and the last message sequence number in
 * localStorage, re-sends unacknowledged messages after a reconnect (the server
 * deduplicates them by id), and renders streamed deltas until the final message.
 */

export function chatPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title>
<style>
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: .6rem 1rem; border-bottom: 1px solid #8884; display: flex; gap: 1rem; align-items: center; }
  header h1 { font-size: 1.1rem; margin: 0; }
  #state { font-size: .85rem; opacity: .7; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; display: flex; flex-direction: column; gap: .6rem; }
  .msg { max-width: 75ch; padding: .5rem .8rem; border-radius: .6rem; white-space: pre-wrap; word-wrap: break-word; }
  .user { align-self: flex-end; background: #2b6cb033; }
  .bot { align-self: flex-start; background: #8882; }
  .bot.streaming { opacity: .75; }
  .buttons { display: flex; gap: .4rem; margin-top: .4rem; }
  form { display: flex; gap: .5rem; padding: .8rem 1rem; border-top: 1px solid #8884; }
  textarea { flex: 1; resize: none; font: inherit; padding: .5rem; }
  button { font: inherit; padding: .4rem .9rem; cursor: pointer; }
  #typing { font-size: .8rem; opacity: .6; padding: 0 1rem; height: 1rem; }
</style>
</head>
<body>
<header><h1>Parley</h1><span id="state">connecting…</span><a href="/admin" style="margin-left:auto">admin</a></header>
<main id="log" aria-live="polite"></main>
<div id="typing"></div>
<form id="form"><textarea id="input" rows="2" placeholder="Write a message… (Enter to send, Shift+Enter for a new line)" aria-label="message"></textarea><button id="send" type="submit">Send</button></form>
<script>
(() => {
  const log = document.getElementById('log');
  const input = document.getElementById('input');
  const state = document.getElementById('state');
  const typing = document.getElementById('typing');
  const params = new URLSearchParams(location.search);
  if (params.get('token')) history.replaceState(null, '', location.pathname);
  let clientId = localStorage.getItem('parley.client');
  if (!clientId) {
    clientId = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem('parley.client', clientId);
  }
  const seen = () => Number(localStorage.getItem('parley.seq.' + clientId) || '0');
  const unacked = new Map();
  const drafts = new Map();
  let ws, delay = 500, typingTimer;

  const logKey = 'parley.log.' + clientId;
  const saved = JSON.parse(localStorage.getItem(logKey) || '[]');
  function remember(cls, text) {
    saved.push({ cls, text });
    localStorage.setItem(logKey, JSON.stringify(saved.slice(-200)));
  }
  function bubble(cls, text) {
    const div = document.createElement('div');
    div.className = 'msg ' + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }
  function buttons(div, list) {
    const row = document.createElement('div');
    row.className = 'buttons';
    for (const b of list) {
      const el = document.createElement('button');
      el.textContent = b.label;
      el.onclick = () => { row.remove(); send({ type: 'action', id: 'a' + Date.now(), data: b.data }); };
      row.appendChild(el);
    }
    div.appendChild(row);
  }
  function send(frame) {
    unacked.set(frame.id, frame);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }
  function onFrame(frame) {
    if (frame.type === 'ack') unacked.delete(frame.id);
    else if (frame.type === 'typing') {
      typing.textContent = 'Parley is typing…';
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.textContent = ''), 5000);
    } else if (frame.type === 'delta') {
      let div = drafts.get(frame.replyId);
      if (!div) { div = bubble('bot streaming', ''); drafts.set(frame.replyId, div); }
      div.textContent += frame.text;
      log.scrollTop = log.scrollHeight;
    } else if (frame.type === 'message') {
      if (frame.seq <= seen()) return;
      localStorage.setItem('parley.seq.' + clientId, String(frame.seq));
      for (const div of drafts.values()) div.remove();
      drafts.clear();
      typing.textContent = '';
      const div = bubble('bot', frame.text);
      remember('bot', frame.text);
      div.dataset.seq = frame.seq;
      if (frame.buttons) buttons(div, frame.buttons);
    } else if (frame.type === 'error') bubble('bot', '⚠ ' + frame.error);
  }
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(proto + '://' + location.host + '/ws?client=' + clientId + '&since=' + seen());
    ws.onopen = () => {
      state.textContent = 'connected';
      delay = 500;
      for (const frame of unacked.values()) ws.send(JSON.stringify(frame));
    };
    ws.onmessage = (event) => onFrame(JSON.parse(event.data));
    ws.onclose = () => {
      state.textContent = 'reconnecting…';
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  document.getElementById('form').onsubmit = (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    bubble('user', text);
    remember('user', text);
    send({ type: 'message', id: 'm' + Date.now() + Math.random().toString(16).slice(2, 6), text });
  };
  input.onkeydown = (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); document.getElementById('form').requestSubmit(); }
  };
  for (const item of saved) bubble(item.cls, item.text);
  connect();
})();
</script>
</body>
</html>`;
}
