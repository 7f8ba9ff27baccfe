/** The sessions table of the admin page: list, transcript, export link and purge. */
import { api, path } from './api.js';
import { $, ago, el, fill } from './dom.js';
import type { Message, Session } from './types.js';

function exportLink(s: Session): HTMLElement | null {
  if (!s.userId) return null;
  const href = `/api/export?channel=${encodeURIComponent(s.channel)}&user=${encodeURIComponent(s.userId)}`;
  return el('a', { href, 'data-action': 'export', download: '' }, [
    document.createTextNode(' Export '),
  ]);
}

export async function loadSessions(): Promise<void> {
  const list = await api<Session[]>('GET', '/api/sessions?limit=100');
  const rows = list.map((s) =>
    el('tr', { 'data-session': String(s.id) }, [
      el('td', { text: String(s.id) }),
      el('td', { text: s.key + (s.endedAt ? ' (ended)' : '') }),
      el('td', { text: s.chatType ?? '' }),
      el('td', { text: String(s.messages ?? 0) }),
      el('td', { text: s.lastAt ? ago(s.lastAt) : '' }),
      el('td', {}, [
        el('button', {
          text: 'Transcript',
          'data-action': 'transcript',
          onclick: () => void showTranscript(s.id),
        }),
        exportLink(s),
        el('button', { text: 'Purge', 'data-action': 'purge', onclick: () => void purge(s.id) }),
      ]),
    ]),
  );
  fill($('sessions'), rows, 'No sessions yet.');
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
}

async function purge(id: number): Promise<void> {
  if (!confirm(`Delete session #${id} and all its messages?`)) return;
  await api('DELETE', path('/api/sessions/{id}', { id }));
  $('transcript-section').hidden = true;
  await loadSessions();
}
