/**
 * The web chat page: one HTML document with its styles; behaviour lives in
 * `/web/chat.js` (script.ts), so the page is served with a Content-Security-Policy
 * that runs no inline script, loads no remote image (a reply cannot beacon data
 * out through `![](https://…)`), and connects only back to Parley.
 *
 * Layout: the conversation list on the left (behind ☰ on a phone), the chat on
 * the right; light or dark follows the system.
 */
import { MAX_TEXT } from './limits.js';

export const CHAT_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const STYLE = `
  :root { font-family: system-ui, sans-serif; color-scheme: light dark;
    --bg: #fff; --fg: #1d1f23; --muted: #6b7280; --line: #e3e5e8; --side: #f6f7f9;
    --user: #dbeafe; --bot: #f3f4f6; --code: #f6f8fa; --accent: #2563eb; --danger: #c62828; --ok: #1b7f3b; --btn: #2563eb; --stop: #c62828;
    --k: #a626a4; --s: #50a14f; --n: #986801; --c: #8a8f98; --t: #4078f2; }
  @media (prefers-color-scheme: dark) { :root {
    --bg: #17181b; --fg: #e6e7ea; --muted: #9aa0a8; --line: #2c2f34; --side: #1e2024;
    --user: #1e3a5f; --bot: #23262b; --code: #0f1114; --accent: #6aa0ff; --danger: #ff7b72; --ok: #56d364; --btn: #2f6fe0; --stop: #c93c37;
    --k: #d2a8ff; --s: #a5d6a7; --n: #f0b86e; --c: #7d8590; --t: #79c0ff; } }
  * { box-sizing: border-box; }
  body { margin: 0; height: 100vh; height: 100dvh; background: var(--bg); color: var(--fg); }
  #app { display: flex; height: 100%; }
  aside { width: 16rem; flex: none; background: var(--side); border-right: 1px solid var(--line);
    display: flex; flex-direction: column; gap: .5rem; padding: .75rem; }
  aside .admin { margin-top: auto; font-size: .9rem; color: var(--muted); }
  #conversations { display: flex; flex-direction: column; gap: 2px; overflow-y: auto; min-height: 0; flex: 1; }
  .conv { display: flex; align-items: center; gap: .25rem; border-radius: .4rem; }
  .conv.current { background: var(--line); }
  .conv .open { flex: 1; min-width: 0; text-align: left; background: none; border: 0; padding: .45rem .5rem;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: inherit; }
  .conv .tool { background: none; border: 0; padding: .3rem; opacity: .55; color: inherit; line-height: 0; }
  .conv .tool:hover { opacity: 1; }
  .conv input { flex: 1; min-width: 0; font: inherit; padding: .3rem; }
  #chat { flex: 1; min-width: 0; display: flex; flex-direction: column; }
  header { padding: .6rem 1rem; border-bottom: 1px solid var(--line); display: flex; gap: .75rem; align-items: center; min-width: 0; }
  header h1 { font-size: 1rem; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  #state { font-size: .8rem; color: var(--muted); margin-left: auto; white-space: nowrap; }
  #menu { display: none; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; display: flex; flex-direction: column; gap: .7rem; }
  .msg { max-width: min(75ch, 100%); padding: .55rem .85rem; border-radius: .8rem; overflow-wrap: anywhere; line-height: 1.45; }
  .user { align-self: flex-end; background: var(--user); white-space: pre-wrap; }
  .user.pending { opacity: .6; }
  .bot { align-self: flex-start; background: var(--bot); }
  .bot.streaming { white-space: pre-wrap; opacity: .8; }
  .bot.stopped::after { content: ' — stopped'; color: var(--muted); font-style: italic; }
  .bot > :first-child { margin-top: 0; } .bot > :last-child { margin-bottom: 0; }
  .code { position: relative; margin: .6rem 0; border: 1px solid var(--line); border-radius: .5rem; background: var(--code); }
  .code .bar { display: flex; justify-content: space-between; align-items: center; padding: .2rem .3rem .2rem .7rem;
    border-bottom: 1px solid var(--line); font-size: .72rem; color: var(--muted); }
  .bot pre { margin: 0; padding: .6rem .8rem; overflow-x: auto; font-size: .85rem; }
  .bot code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
  .bot :not(pre) > code { background: var(--code); padding: .05rem .3rem; border-radius: .3rem; }
  .bot table { border-collapse: collapse; display: block; overflow-x: auto; max-width: 100%; }
  .bot th, .bot td { border: 1px solid var(--line); padding: .25rem .5rem; }
  .bot img { max-width: 100%; }
  .bot a { color: var(--accent); }
  .copy { font-size: .72rem; padding: .1rem .5rem; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
  svg.icon { width: 1.1em; height: 1.1em; vertical-align: -0.15em; fill: none; stroke: currentColor; stroke-width: 2;
    stroke-linecap: round; stroke-linejoin: round; flex: none; }
  .hljs-keyword, .hljs-selector-tag, .hljs-meta .hljs-keyword { color: var(--k); }
  .hljs-string, .hljs-regexp, .hljs-addition { color: var(--s); }
  .hljs-number, .hljs-literal, .hljs-attr, .hljs-variable { color: var(--n); }
  .hljs-comment, .hljs-quote, .hljs-deletion { color: var(--c); font-style: italic; }
  .hljs-title, .hljs-built_in, .hljs-type, .hljs-function .hljs-title, .hljs-section { color: var(--t); }
  .buttons { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .6rem; }
  .buttons button { border-radius: .4rem; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
  .buttons button.primary { background: var(--btn); color: #fff; border-color: var(--btn); }
  .decision { margin-top: .5rem; font-size: .9rem; font-weight: 600; }
  .decision.approved { color: var(--ok); } .decision.denied { color: var(--danger); }
  .separator { display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .8rem; }
  .separator::before, .separator::after { content: ''; flex: 1; border-top: 1px solid var(--line); }
  .note { align-self: center; color: var(--muted); font-size: .8rem; }
  .files { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .35rem; }
  .chip { display: inline-flex; align-items: center; gap: .35rem; border: 1px solid var(--line); border-radius: 1rem;
    padding: .15rem .6rem; font-size: .8rem; max-width: 100%; background: var(--bg); color: var(--fg); }
  .chip span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .chip img { width: 1.6rem; height: 1.6rem; object-fit: cover; border-radius: .25rem; }
  .chip button { background: none; border: 0; padding: 0 .1rem; color: inherit; }
  #typing { font-size: .8rem; color: var(--muted); padding: 0 1rem; min-height: 1.1rem; }
  form { padding: .6rem 1rem .9rem; border-top: 1px solid var(--line); }
  #error { color: var(--danger); font-size: .85rem; }
  #error:empty { display: none; }
  .row { display: flex; gap: .5rem; align-items: flex-end; }
  textarea { flex: 1; min-width: 0; resize: none; font: inherit; padding: .55rem .7rem; border-radius: .6rem;
    border: 1px solid var(--line); background: var(--bg); color: var(--fg); max-height: 12rem; }
  button { font: inherit; padding: .45rem .9rem; cursor: pointer; border-radius: .5rem; }
  #send { background: var(--btn); color: #fff; border: 0; }
  #stop { background: var(--stop); color: #fff; border: 0; }
  #new-chat { border: 1px solid var(--line); background: var(--bg); color: var(--fg); text-align: left; }
  #new-chat:hover, .conv:hover { background: var(--line); }
  #attach { line-height: 0; padding: .55rem .6rem; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
  #drop { position: fixed; inset: 0; background: #2563eb33; border: 3px dashed var(--accent); display: grid;
    place-items: center; font-size: 1.3rem; pointer-events: none; }
  #drop[hidden] { display: none; }
  @media (max-width: 700px) {
    aside { position: fixed; inset: 0 auto 0 0; z-index: 2; transform: translateX(-100%); transition: transform .15s; box-shadow: 0 0 1rem #0004; }
    body.nav-open aside { transform: none; }
    body.nav-open #chat::after { content: ''; position: fixed; inset: 0; background: #0006; z-index: 1; }
    form { padding: .5rem .6rem .7rem; }
    .row { gap: .35rem; }
    button { padding: .45rem .7rem; }
    #menu { display: inline-block; padding: .3rem .6rem; }
    #log { padding: .75rem; }
    .msg { max-width: 100%; }
  }`;

export function chatPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Parley</title>
<style>${STYLE}</style>
</head>
<body data-max="${MAX_TEXT}">
<div id="app">
<aside id="sidebar" aria-label="conversations">
  <button id="new-chat" type="button">+ New chat</button>
  <nav id="conversations"></nav>
  <a class="admin" href="/admin">Admin console</a>
</aside>
<div id="chat">
  <header><button id="menu" type="button" aria-label="show conversations">☰</button><h1 id="title">Parley</h1><span id="state">connecting…</span></header>
  <main id="log" aria-live="polite"></main>
  <div id="typing"></div>
  <form id="form">
    <div id="error" role="alert"></div>
    <div id="pending-files" class="files"></div>
    <div class="row">
      <button id="attach" type="button" title="Attach files (or drop, or paste)" aria-label="attach files"><svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"/></svg></button>
      <input id="file" type="file" multiple hidden>
      <textarea id="input" rows="2" placeholder="Write a message… (Enter to send, Shift+Enter for a new line)" aria-label="message"></textarea>
      <button id="stop" type="button" hidden>Stop</button>
      <button id="send" type="submit">Send</button>
    </div>
  </form>
</div>
</div>
<div id="drop" hidden>Drop files to attach them</div>
<script src="/web/chat.js"></script>
</body>
</html>`;
}
