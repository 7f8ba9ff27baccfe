/**
 * The admin page: one self-contained HTML document (no build step, no CDN, no
 * external assets). Behaviour lives in `/admin/admin.js` (script.ts), so the page
 * can be served with a strict Content-Security-Policy.
 */

export const ADMIN_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function adminPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Parley admin</title>
<style>
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; --muted: #8888; }
  body { margin: 0; }
  header { padding: .6rem 1rem; border-bottom: 1px solid var(--muted); display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header .meta { font-size: .85rem; opacity: .75; }
  main { padding: 1rem; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
  section { border: 1px solid var(--muted); border-radius: .5rem; padding: .6rem .9rem; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: .2rem 0 .6rem; }
  .card { border-left: 4px solid #888; padding: .3rem .6rem; margin: .4rem 0; }
  .card[data-state="connected"] { border-color: #2a9d55; }
  .card[data-state="error"], .card[data-state="logged_out"] { border-color: #d33; }
  .card[data-state="paused"], .card[data-state="qr"], .card[data-state="starting"] { border-color: #d90; }
  .state { font-weight: 600; }
  .fix { color: #c60; font-size: .9rem; }
  .empty { opacity: .6; font-size: .9rem; }
  .item { display: flex; gap: .5rem; align-items: center; justify-content: space-between; padding: .3rem 0; border-bottom: 1px solid var(--muted); }
  .item code { font-size: .8rem; word-break: break-all; }
  button { font: inherit; padding: .25rem .7rem; cursor: pointer; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  td, th { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--muted); }
  .charts { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
  figure { margin: 0; }
  figcaption { font-size: .85rem; display: flex; justify-content: space-between; }
  svg.chart { width: 100%; height: 90px; background: #8881; border-radius: .3rem; }
  pre { white-space: pre-wrap; word-break: break-word; font-size: .85rem; max-height: 24rem; overflow: auto; }
  .msg { margin: .3rem 0; } .msg .role { font-weight: 600; margin-right: .4rem; }
  #qr img { width: 16rem; height: 16rem; image-rendering: pixelated; background: #fff; }
  .legend-p99 { color: #d33; } .legend-p50 { color: #2b6cb0; }
</style>
</head>
<body>
<header><h1>Parley admin</h1><span class="meta" id="meta">loading…</span><a href="/" style="margin-left:auto">web chat</a></header>
<main>
  <section id="channels-section"><h2>Channels</h2><div id="channels"></div></section>
  <section id="whatsapp-section" hidden><h2>WhatsApp pairing</h2><div id="qr"></div></section>
  <section id="approvals-section"><h2>Pending approvals</h2><div id="approvals"></div></section>
  <section id="pairing-section"><h2>Pairing requests</h2><div id="pairing"></div></section>
  <section class="wide"><h2>Live</h2><div class="charts">
    <figure id="chart-messages"><figcaption><span>Messages per minute</span><span class="value"></span></figcaption><svg class="chart" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></figure>
    <figure id="chart-queue"><figcaption><span>Queue depth</span><span class="value"></span></figcaption><svg class="chart" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></figure>
    <figure id="chart-latency"><figcaption><span>Reply latency <span class="legend-p50">p50</span> / <span class="legend-p99">p99</span></span><span class="value"></span></figcaption><svg class="chart" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></figure>
    <figure id="chart-sandbox"><figcaption><span>Sandbox runs per minute</span><span class="value"></span></figcaption><svg class="chart" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></figure>
  </div></section>
  <section id="provider-section"><h2>Provider</h2>
    <div><button id="ping">Ping provider</button> <button id="models">List models</button></div>
    <pre id="provider"></pre></section>
  <section id="tools-section"><h2>Tools</h2><div id="tools"></div></section>
  <section id="mcp-section"><h2>MCP servers</h2><div id="mcp"></div></section>
  <section id="sessions-section" class="wide"><h2>Sessions <button id="refresh-sessions">Refresh</button></h2>
    <table><thead><tr><th>#</th><th>conversation</th><th>type</th><th>messages</th><th>last</th><th></th></tr></thead><tbody id="sessions"></tbody></table></section>
  <section id="transcript-section" class="wide" hidden><h2>Transcript <span id="transcript-title"></span></h2><div id="transcript"></div></section>
</main>
<script src="/admin/admin.js"></script>
</body>
</html>`;
}
