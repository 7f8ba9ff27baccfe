/**
 * `parley jobs list | cancel <id> | run-now <id>`. `list` and `cancel` work on the
 * stores directly (the SQLite file or the Postgres database), also while Parley runs (its scheduler re-reads the store when
 * its timer fires, so a cancelled job simply is not due). `run-now` must run inside
 * the serving process, so it asks the running Parley's admin API.
 */
import { JobError, JobService } from '../agent/scheduler/service.js';
import type { ParleyConfig } from './config/schema.js';
import { accessToken, adminUrl } from './status.js';
import { openStores } from './stores.js';

/** Who the command line acts as (an owner: it holds the data folder). */
export const CLI_PRINCIPAL = 'cli:operator';

type Out = (line: string) => void;

export async function jobsCommand(
  args: string[],
  config: ParleyConfig,
  out: Out = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const [action, idText] = args;
  const id = Number(idText);
  if (action === 'list') return listJobs(config, out);
  if ((action === 'cancel' || action === 'run-now') && Number.isInteger(id) && id > 0)
    return action === 'cancel' ? cancelJob(config, id, out) : runNow(config, id, out);
  out('Usage: parley jobs list | cancel <id> | run-now <id>');
  return 2;
}

async function service(config: ParleyConfig) {
  const stores = await openStores(config);
  const jobs = new JobService({ jobs: stores.jobs, config: config.scheduler, isOwner: () => true });
  return { stores, jobs };
}

async function listJobs(config: ParleyConfig, out: Out): Promise<number> {
  const { stores, jobs } = await service(config);
  try {
    const entries = await jobs.overview({ limit: 200 });
    if (entries.length === 0) out('No scheduled jobs.');
    const lines = jobs.describe(entries);
    let index = 0;
    for (const { job, runs } of entries) {
      out(`${lines[index++]}`);
      out(`    in ${job.conversationKey}, owner ${job.owner}`);
      for (const _ of runs) out(lines[index++]!);
    }
    return 0;
  } finally {
    await stores.close();
  }
}

async function cancelJob(config: ParleyConfig, id: number, out: Out): Promise<number> {
  const { stores, jobs } = await service(config);
  try {
    out(await jobs.act(id, 'cancel', CLI_PRINCIPAL));
    return 0;
  } catch (error) {
    if (!(error instanceof JobError)) throw error;
    out(`Could not cancel: ${error.message}.`);
    return 1;
  } finally {
    await stores.close();
  }
}

async function runNow(config: ParleyConfig, id: number, out: Out): Promise<number> {
  if (!config.web.enabled) {
    out(
      'run-now asks the running Parley over its admin API, and the web server is off (web.enabled: false).',
    );
    return 1;
  }
  const url = adminUrl(config);
  const token = await accessToken(config);
  let res: Response;
  try {
    res = await fetch(`${url}/api/jobs/${id}`, {
      method: 'POST',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
        'x-parley-request': '1',
      },
      body: JSON.stringify({ action: 'run' }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    out(
      `Parley is not answering at ${url} (${(error as Error).message}). Start it with \`parley start\`; a job runs only inside the running Parley.`,
    );
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { text?: string; error?: string };
  out(body.text ?? `Could not run job #${id}: ${body.error ?? `HTTP ${res.status}`}.`);
  return res.ok ? 0 : 1;
}
