/**
 * The admin page: one HTML document with its styles (no CDN, no external assets).
 * Behaviour lives in `/admin/admin.js` (admin/ui/, bundled with uPlot and its
 * stylesheet), so the page is served with a strict Content-Security-Policy.
 *
 * Layout: a grid of cards that reflows from three columns to one; channels, live
 * charts and sessions span the full width. Panels added later (usage, jobs) are
 * one more `<section>` in `main` and take the next free cell.
 */

export const ADMIN_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const STYLE = `
  :root { font-family: system-ui, sans-serif; color-scheme: light dark;
    --bg: #f5f6f8; --card: #fff; --fg: #1d1f23; --muted: #6b7280; --line: #e3e5e8;
    --ok: #1b7f3b; --warn: #b26b00; --bad: #c62828; --accent: #2563eb; --btn: #2563eb; --code: #f3f4f6; }
  @media (prefers-color-scheme: dark) { :root {
    --bg: #131416; --card: #1c1e22; --fg: #e6e7ea; --muted: #9aa0a8; --line: #2e3137;
    --ok: #56d364; --warn: #f0b429; --bad: #ff7b72; --accent: #6aa0ff; --btn: #2f6fe0; --code: #111214; } }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.4; }
  header { padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--card);
    display: flex; gap: .5rem 1rem; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 1.15rem; margin: 0; }
  header .meta { font-size: .85rem; color: var(--muted); }
  header a { margin-left: auto; color: var(--accent); }
  main { padding: 1rem; display: grid; gap: 1rem; max-width: 1400px; margin: 0 auto;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 24rem), 1fr)); align-items: start; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: .8rem 1rem 1rem; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: 0 0 .7rem; display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
  h2 .hint { font-weight: 400; font-size: .8rem; color: var(--muted); }
  .empty { color: var(--muted); font-size: .9rem; }
  .cards { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 18rem), 1fr)); }
  .card { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: .45rem; padding: .6rem .75rem;
    display: flex; flex-direction: column; gap: .3rem; min-width: 0; overflow-wrap: anywhere; }
  .card[data-state="connected"] { border-left-color: var(--ok); }
  .card[data-state="error"], .card[data-state="logged_out"] { border-left-color: var(--bad); }
  .card[data-state="paused"], .card[data-state="qr"], .card[data-state="starting"] { border-left-color: var(--warn); }
  .card .top { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
  .badge { font-size: .75rem; font-weight: 600; padding: .05rem .5rem; border-radius: 1rem; border: 1px solid currentColor; white-space: nowrap; }
  .badge.connected { color: var(--ok); } .badge.error, .badge.logged_out { color: var(--bad); }
  .badge.role { color: var(--accent); }
  .card[data-self="true"] { border-left-color: var(--accent); }
  .badge.paused, .badge.qr, .badge.starting { color: var(--warn); } .badge.stopped, .badge.unknown { color: var(--muted); }
  .detail { font-size: .9rem; }
  .since { font-size: .8rem; color: var(--muted); }
  .problem { border-radius: .35rem; padding: .4rem .55rem; font-size: .85rem; background: color-mix(in srgb, var(--bad) 10%, transparent); }
  .problem.past { background: color-mix(in srgb, var(--muted) 12%, transparent); }
  .problem .fix { margin-top: .2rem; }
  .item { display: flex; gap: .75rem; align-items: center; justify-content: space-between; padding: .5rem 0;
    border-bottom: 1px solid var(--line); min-width: 0; flex-wrap: wrap; }
  .item:last-child { border-bottom: 0; }
  .item > :first-child { min-width: 0; flex: 1 1 14rem; overflow-wrap: anywhere; }
  .item code { font-size: .8rem; word-break: break-all; }
  .actions { display: flex; gap: .35rem; flex-wrap: wrap; }
  button, input { font: inherit; }
  button, a.button { padding: .3rem .75rem; cursor: pointer; border-radius: .4rem; border: 1px solid var(--line); background: var(--card); color: var(--fg);
    text-decoration: none; font-size: inherit; display: inline-block; }
  button.primary { background: var(--btn); border-color: var(--btn); color: #fff; }
  .toolbar { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-bottom: .5rem; }
  button:disabled { opacity: .5; cursor: default; }
  input[type=search] { padding: .3rem .6rem; border-radius: .4rem; border: 1px solid var(--line); background: var(--card); color: var(--fg); min-width: 0; flex: 1 1 12rem; max-width: 24rem; }
  .policy { font-size: .8rem; color: var(--muted); white-space: nowrap; }
  .charts { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr)); }
  figure { margin: 0; min-width: 0; position: relative; }
  figcaption { font-size: .9rem; display: flex; justify-content: space-between; gap: .5rem; margin-bottom: .3rem; flex-wrap: wrap; }
  figcaption .value { color: var(--muted); font-variant-numeric: tabular-nums; }
  .plot { width: 100%; height: 170px; }
  .plot .uplot { width: 100% !important; }
  .chart-empty { position: absolute; inset: 1.6rem 0 1.5rem 3rem; display: grid; place-items: center; color: var(--muted);
    font-size: .85rem; pointer-events: none; }
  .chart-empty[hidden] { display: none; }
  .legend-p99 { color: var(--bad); } .legend-p50 { color: var(--accent); }
  pre { white-space: pre-wrap; word-break: break-word; font-size: .85rem; max-height: 24rem; overflow: auto; background: var(--code); padding: .5rem; border-radius: .35rem; margin: .6rem 0 0; }
  pre:empty { display: none; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  td, th { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-size: .8rem; color: var(--muted); font-weight: 600; }
  td.key { overflow-wrap: anywhere; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.actions { display: flex; gap: .35rem; flex-wrap: wrap; }
  .pager { display: flex; gap: .5rem; align-items: center; justify-content: flex-end; margin-top: .6rem; font-size: .85rem; color: var(--muted); }
  .msg { margin: .35rem 0; overflow-wrap: anywhere; } .msg .role { font-weight: 600; margin-right: .4rem; }
  #qr img { width: 16rem; max-width: 100%; height: auto; aspect-ratio: 1; image-rendering: pixelated; background: #fff; padding: .5rem; border-radius: .4rem; }
  @media (max-width: 700px) {
    main { padding: .6rem; gap: .6rem; }
    header a { margin-left: 0; }
    #sessions-table thead { display: none; }
    #sessions-table tr { display: grid; grid-template-columns: 1fr auto; gap: .15rem .5rem; padding: .5rem 0; border-bottom: 1px solid var(--line); }
    #sessions-table td { border: 0; padding: 0; }
    #sessions-table td.id { display: none; }
    #sessions-table td.key { grid-column: 1 / -1; font-weight: 600; }
    #sessions-table td.num { text-align: left; }
    #sessions-table td[data-label]::before { content: attr(data-label) ': '; color: var(--muted); }
    #sessions-table td.actions { grid-column: 1 / -1; }
  }  .budget { margin: .4rem 0; } .budget .bar { height: .4rem; background: #8883; border-radius: .2rem; overflow: hidden; }
  .budget .bar span { display: block; height: 100%; background: #2a9d55; }
  .budget[data-state="warn"] .bar span { background: #d90; } .budget[data-state="reached"] .bar span { background: #d33; }
  #usage-tables { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
  #usage-tables h3 { font-size: .9rem; margin: .3rem 0; }
  #usage-tables table, #jobs table { width: 100%; }
`;

const figure = (id: string, title: string) =>
  `<figure id="${id}"><figcaption><span>${title}</span><span class="value"></span></figcaption><div class="plot"></div><div class="chart-empty" hidden></div></figure>`;

export function adminPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Parley admin</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Parley admin</h1><span class="meta" id="meta">loading…</span><a href="/">Web chat</a></header>
<main>
  <section id="channels-section" class="wide"><h2>Channels</h2><div id="channels" class="cards"></div></section>
  <section id="nodes-section" class="wide"><h2>Nodes <span class="hint">leases held and share of the queue</span></h2><div id="nodes" class="cards"></div></section>
  <section id="whatsapp-section" hidden><h2>WhatsApp pairing <span class="hint">scan in WhatsApp → Linked devices</span></h2><div id="qr"></div></section>
  <section id="approvals-section"><h2>Pending approvals</h2><div id="approvals"></div></section>
  <section id="pairing-section"><h2>Pairing requests</h2><div id="pairing"></div></section>
  <section id="live-section" class="wide"><h2>Live <span class="hint">last 10 minutes, 10 s steps</span></h2><div class="charts">
    ${figure('chart-messages', 'Messages received')}
    ${figure('chart-queue', 'Queue depth')}
    ${figure('chart-latency', 'Reply latency <span class="legend-p50">p50</span> / <span class="legend-p99">p99</span>')}
    ${figure('chart-sandbox', 'Sandbox runs')}
  </div></section>
  <section id="provider-section"><h2>Provider</h2>
    <div class="actions"><button id="ping">Ping provider</button><button id="models">List models</button></div>
    <pre id="provider"></pre></section>
  <section id="tools-section"><h2>Tools</h2><div id="tools"></div></section>
  <section id="mcp-section"><h2>MCP servers</h2><div id="mcp"></div></section>
  <section id="usage-section" class="wide"><h2>Usage <button id="refresh-usage">Refresh</button></h2>
    <div id="usage-totals"></div><div id="usage-budgets"></div><div id="usage-tables"></div></section>
  <section id="jobs-section"><h2>Scheduled jobs <button id="refresh-jobs">Refresh</button></h2><div id="jobs"></div></section>
  <section id="sessions-section" class="wide"><h2>Sessions</h2>
    <div class="toolbar"><input id="session-search" type="search" placeholder="Search conversation or user id" aria-label="search sessions"><button id="refresh-sessions">Refresh</button></div>
    <table id="sessions-table"><thead><tr><th>#</th><th>conversation</th><th>type</th><th class="num">messages</th><th>last activity</th><th></th></tr></thead><tbody id="sessions"></tbody></table>
    <div class="pager"><span id="sessions-page"></span><button id="sessions-prev">← Newer</button><button id="sessions-next">Older →</button></div></section>
  <section id="transcript-section" class="wide" hidden><h2>Transcript <span id="transcript-title" class="hint"></span></h2><div id="transcript"></div></section>
</main>
<script src="/admin/admin.js"></script>
</body>
</html>`;
}
