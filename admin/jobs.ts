/**
 * The admin API of scheduled jobs: every job with its latest receipts, and
 * cancel / pause / resume / run now, acting as the owner principal `admin:web`.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { JobError } from '../agent/scheduler/service.js';
import { op } from './api.js';
import { ADMIN_PRINCIPAL } from './principal.js';
import * as s from './schemas.js';
import type { AdminApp } from './types.js';

const { z } = s;

const JobRun = z
  .object({
    jobId: z.number().int(),
    dueAt: z.number().int(),
    outcome: z.enum(['queued', 'running', 'ok', 'failed', 'capped', 'skipped', 'cancelled']),
    note: z.string().optional(),
    startedAt: z.number().int().optional(),
    endedAt: z.number().int().optional(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    cost: z.number().nullable(),
    error: z.string().optional(),
    createdAt: z.number().int(),
  })
  .openapi('JobRun');

const Job = z
  .object({
    id: z.number().int(),
    owner: z.string(),
    conversationKey: z.string(),
    instruction: z.string(),
    schedule: z.record(z.string(), z.unknown()),
    catchUp: z.enum(['run-once', 'skip']),
    maxTokens: z.number().int(),
    state: z.enum(['active', 'paused', 'cancelled', 'done']),
    nextRunAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    runs: z.array(JobRun),
  })
  .openapi('Job');

const Jobs = z
  .object({ enabled: z.boolean(), nextWakeAt: z.number().int().optional(), jobs: z.array(Job) })
  .openapi('Jobs');

const JobParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, type: 'integer', description: 'Job id' }),
});
const JobActionBody = z.object({ action: z.enum(['cancel', 'pause', 'resume', 'run']) });

export function registerJobs(api: OpenAPIHono, app: AdminApp): void {
  const list = createRoute({
    method: 'get',
    path: '/api/jobs',
    summary: 'Scheduled jobs with their latest receipts',
    responses: { 200: s.json(Jobs), ...s.UNAUTHORIZED },
  });
  op(api, list, async (c) => {
    if (!app.jobs) return c.json({ enabled: false, jobs: [] });
    const entries = await app.jobs.overview({ limit: 200 });
    const nextWakeAt = app.scheduler?.nextWakeAt;
    return c.json({
      enabled: true,
      ...(nextWakeAt !== undefined ? { nextWakeAt } : {}),
      jobs: entries.map(({ job, runs }) => {
        const { target: _target, ...rest } = job;
        const redact = (text: string | undefined) => text && app.redactor.redact(text);
        return {
          ...rest,
          instruction: app.redactor.redact(job.instruction),
          runs: runs.map((run) => ({ ...run, error: redact(run.error), note: redact(run.note) })),
        };
      }),
    });
  });
  const act = createRoute({
    method: 'post',
    path: '/api/jobs/{id}',
    summary: 'Cancel, pause, resume or run a job now (as the owner principal admin:web)',
    request: {
      params: JobParam,
      body: { required: true, content: { 'application/json': { schema: JobActionBody } } },
    },
    responses: {
      200: s.json(z.object({ ok: z.boolean(), text: z.string() })),
      400: s.json(s.ErrorBody, 'Bad request'),
      409: s.json(s.ErrorBody, 'Unknown job, or not possible in its state'),
      ...s.UNAUTHORIZED,
    },
  });
  op(api, act, async (c) => {
    const { id } = (c.req.valid as (t: string) => unknown)('param') as s.z.infer<typeof JobParam>;
    const { action } = (c.req.valid as (t: string) => unknown)('json') as s.z.infer<
      typeof JobActionBody
    >;
    if (!app.jobs) return c.json({ error: 'the scheduler is off (scheduler.enabled: false)' }, 409);
    try {
      const text = await app.jobs.act(id, action, ADMIN_PRINCIPAL);
      app.log.info({ job: id, action }, 'job changed from admin');
      return c.json({ ok: true, text });
    } catch (error) {
      if (error instanceof JobError) return c.json({ error: error.message }, 409);
      throw error;
    }
  });
}
