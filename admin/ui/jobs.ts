/** The admin page's jobs card: scheduled jobs, their last receipts, cancel / pause / resume / run now. */
import { api, path } from './api.js';
import { $, el, fill } from './dom.js';
import { alertLine } from './panels.js';
import type { JobRun, Jobs } from './types.js';

const time = (ms: number) => new Date(ms).toLocaleString();

function runLine(run: JobRun): string {
  const tokens = run.promptTokens + run.completionTokens;
  return [
    `due ${time(run.dueAt)}`,
    run.outcome,
    tokens ? `${tokens} tokens` : '',
    run.cost !== null ? `cost ${run.cost}` : '',
    run.error ?? '',
    run.note ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export async function loadJobs(): Promise<void> {
  const data = await api<Jobs>('GET', '/api/jobs');
  const act = async (id: number, action: string) => {
    try {
      await api('POST', path('/api/jobs/{id}', { id }), { action });
    } catch (error) {
      alertLine(error);
    }
    await loadJobs();
  };
  const buttons = (id: number, state: string) =>
    (state === 'active'
      ? ['run', 'pause', 'cancel']
      : state === 'paused'
        ? ['run', 'resume', 'cancel']
        : []
    ).map((action) =>
      el('button', { text: action, 'data-action': action, onclick: () => void act(id, action) }),
    );
  const items = data.jobs.map((job) =>
    el('div', { class: 'item', 'data-job': String(job.id) }, [
      el('div', {}, [
        el('strong', { text: `#${job.id} ${job.state} ` }),
        el('span', { text: job.instruction }),
        el('div', {
          class: 'empty',
          text: `${job.conversationKey} · ${job.owner}${job.nextRunAt ? ` · next ${time(job.nextRunAt)}` : ''}`,
        }),
        ...job.runs.map((run) =>
          el('div', { class: 'empty', 'data-run': String(run.dueAt), text: runLine(run) }),
        ),
      ]),
      el('div', {}, buttons(job.id, job.state)),
    ]),
  );
  fill($('jobs'), items, data.enabled ? 'No scheduled jobs.' : 'The scheduler is off.');
}
