/**
 * The sessions table of the admin page: search (conversation key or user id),
 * pages of {@link PAGE} newest first, transcript, export link and purge. On a
 * phone each row becomes a small block (see the page's styles).
 */
import { api, path } from './api.js';
import { $, ago, el, fill } from './dom.js';
import type { Message, Session } from './types.js';

export const PAGE = 20;
let offset = 0;
let search = '';

function exportLink(s: Session): HTMLElement | null {
  if (!s.userId) return null;
  const href = `/api/export?channel=${encodeURIComponent(s.channel)}&user=${encodeURIComponent(s.userId)}`;
  return el('a', { href, class: 'button', 'data-action': 'export', download: '', text: 'Export' });
}

/** Loads the current page (one row more than shown, to know whether an older page exists). */
export async function loadSessions(): Promise<void> {
  const query = new URLSearchParams({ limit: String(PAGE + 1), offset: String(offset) });
  if (search) query.set('q', search);
  const list = await api<Session[]>('GET', `/api/sessions?${query}`);
  const rows = list.slice(0, PAGE).map(sessionRow);
  const none = search ? `No session matches “${search}”.` : 'No sessions yet.';
  $('sessions').replaceChildren(
    ...(rows.length
      ? rows
      : [el('tr', {}, [el('td', { colspan: '6', class: 'empty', text: none })])]),
  );
  ($('sessions-prev') as HTMLButtonElement).disabled = offset === 0;
  ($('sessions-next') as HTMLButtonElement).disabled = list.length <= PAGE;
  $('sessions-page').textContent = rows.length
    ? `${offset + 1}–${offset + rows.length}${search ? ` matching “${search}”` : ''}`
    : '';
}

function sessionRow(s: Session): HTMLElement {
  return el('tr', { 'data-session': String(s.id) }, [
    el('td', { class: 'id', text: String(s.id) }),
    el('td', { class: 'key', text: s.key + (s.endedAt ? ' (ended)' : '') }),
    el('td', { 'data-label': 'type', text: s.chatType ?? '' }),
    el('td', { class: 'num', 'data-label': 'messages', text: String(s.messages ?? 0) }),
    el('td', { 'data-label': 'last', text: s.lastAt ? ago(s.lastAt) : '—' }),
    el('td', { class: 'actions' }, [
      el('button', {
        text: 'Transcript',
        'data-action': 'transcript',
        onclick: () => void showTranscript(s.id),
      }),
      exportLink(s),
      el('button', { text: 'Purge', 'data-action': 'purge', onclick: () => void purge(s.id) }),
    ]),
  ]);
}

/** Wires search (as you type, debounced) and the pager. */
export function setupSessions(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  $('session-search').addEventListener('input', (event) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      search = (event.target as HTMLInputElement).value.trim();
      offset = 0;
      void loadSessions();
    }, 250);
  });
  $('sessions-prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void loadSessions();
  });
  $('sessions-next').addEventListener('click', () => {
    offset += PAGE;
    void loadSessions();
  });
  $('refresh-sessions').addEventListener('click', () => void loadSessions());
}

function messageText(m: Message): string {
  if (m.content !== null && m.content !== undefined) return m.content;
  return (m.toolCalls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`).join(', ');
}

async function showTranscript(id: number): Promise<void> {
  const data = await api<{ session: Session; messages: Message[] }>(
    'GET',
    path('/api/sessions/{id}', { id }),
  );
  $('transcript-section').hidden = false;
  $('transcript-title').textContent = `#${data.session.id} ${data.session.key}`;
  const items = data.messages.map((m) =>
    el('div', { class: 'msg', 'data-role': m.role }, [
      el('span', { class: 'role', text: m.role + (m.senderName ? ` (${m.senderName})` : '') }),
      el('span', { text: messageText(m) }),
    ]),
  );
  fill($('transcript'), items, 'Empty session.');
  $('transcript-section').scrollIntoView({ block: 'start' });
}

async function purge(id: number): Promise<void> {
  if (!confirm(`Delete session #${id} and all its messages?`)) return;
  await api('DELETE', path('/api/sessions/{id}', { id }));
  $('transcript-section').hidden = true;
  await loadSessions();
}
