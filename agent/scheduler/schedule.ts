/**
 * Time arithmetic of scheduled jobs: reading what a user or the model wrote ("in 20
 * minutes", an ISO time, a cron expression, "every 2 hours") into a
 * {@link JobSchedule}, and finding a schedule's next run after an instant. Cron
 * expressions and local times in a time zone are croner's work.
 *
 * @example
 * ```ts
 * const schedule = parseSchedule({ cron: '0 9 * * 1' }, Date.now(), 'Europe/Paris')
 * nextRun(schedule, Date.now()) // next Monday 09:00 in Paris, as ms since epoch
 * ```
 */
import { Cron, CronDate } from 'croner';
import type { JobSchedule } from '../../sessions/records.js';

/** Shortest interval of a recurring job. */
export const MIN_INTERVAL_MS = 60_000;

const UNITS: [RegExp, number][] = [
  [/^(s|secs?|seconds?)$/, 1000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
  [/^(w|weeks?)$/, 604_800_000],
];

/** "20 minutes", "2h", "1.5 hours", "3 days" in ms; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS.find(([pattern]) => pattern.test(match[2]!.toLowerCase()));
  return unit ? Math.round(Number(match[1]) * unit[1]) : undefined;
}

/**
 * An instant: "in 20 minutes" (also "20m"), or an ISO 8601 time. A time without an
 * offset ("2026-12-02T09:00") is read in `timeZone`.
 */
export function parseWhen(text: string, now: number, timeZone: string): number {
  const relative = parseDuration(text.trim().replace(/^in\s+/i, ''));
  if (relative !== undefined) return now + relative;
  const iso = text.trim().replace(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/, '$1T$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso))
    throw new Error(
      `"${text}" is not a time: use "in 20 minutes" or an ISO time such as 2026-12-02T09:00`,
    );
  try {
    const at = new CronDate(iso, timeZone).getTime();
    if (Number.isFinite(at)) return at;
  } catch {}
  throw new Error(`"${text}" is not a valid ISO time`);
}

/** Validates a cron expression (5 fields or a nickname such as @daily) in a time zone. */
export function cronOf(expression: string, timeZone: string): Cron {
  try {
    return new Cron(expression, { timezone: timeZone, mode: '5-part' });
  } catch (error) {
    throw new Error(
      `"${expression}" is not a cron expression (${(error as Error).message}); use five fields, e.g. "0 9 * * 1" for Mondays at 09:00`,
    );
  }
}

export interface ScheduleInput {
  at?: string | undefined;
  cron?: string | undefined;
  every?: string | undefined;
}

/** Reads exactly one of `at`, `cron`, `every` into a schedule; throws a message for the user. */
export function parseSchedule(input: ScheduleInput, now: number, timeZone: string): JobSchedule {
  const given = [input.at, input.cron, input.every].filter((v) => v !== undefined && v !== '');
  if (given.length !== 1) throw new Error('give exactly one of "at", "cron" or "every"');
  if (input.at) {
    const at = parseWhen(input.at, now, timeZone);
    if (at <= now) throw new Error(`${formatTime(at, timeZone)} has already passed`);
    return { kind: 'once', at };
  }
  if (input.cron) {
    cronOf(input.cron, timeZone);
    return { kind: 'cron', expression: input.cron.trim(), timeZone };
  }
  const everyMs = parseDuration(input.every!.trim().replace(/^every\s+/i, ''));
  if (everyMs === undefined)
    throw new Error(`"${input.every}" is not an interval: use e.g. "30 minutes" or "2h"`);
  if (everyMs < MIN_INTERVAL_MS) throw new Error('the shortest interval is 1 minute');
  return { kind: 'interval', everyMs, startAt: now };
}

/** The first run strictly after `after`, or null when there is none (a one-shot job). */
export function nextRun(schedule: JobSchedule, after: number): number | null {
  switch (schedule.kind) {
    case 'once':
      return schedule.at > after ? schedule.at : null;
    case 'interval': {
      if (after < schedule.startAt) return schedule.startAt + schedule.everyMs;
      const steps = Math.floor((after - schedule.startAt) / schedule.everyMs) + 1;
      return schedule.startAt + steps * schedule.everyMs;
    }
    case 'cron':
      return (
        cronOf(schedule.expression, schedule.timeZone).nextRun(new Date(after))?.getTime() ?? null
      );
  }
}

/** The first run of a new job (the earliest instant after `now`). */
export function firstRun(schedule: JobSchedule, now: number): number | null {
  return schedule.kind === 'once' ? schedule.at : nextRun(schedule, now);
}

/**
 * Runs due between `dueAt` (included) and `now` (included): how many, the latest
 * one, and the next run after `now`. Counting stops at 1,000.
 */
export function overdue(
  schedule: JobSchedule,
  dueAt: number,
  now: number,
): { count: number; latest: number; next: number | null } {
  let count = 1;
  let latest = dueAt;
  let next = nextRun(schedule, dueAt);
  while (next !== null && next <= now && count < 1000) {
    count++;
    latest = next;
    next = nextRun(schedule, next);
  }
  if (next !== null && next <= now) next = nextRun(schedule, now);
  return { count, latest, next };
}

/** "09:00" for a time today in `timeZone`, else "2026-12-01 09:00". */
export function formatTime(ms: number, timeZone: string, now = Date.now()): string {
  const parts = (at: number) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(new Date(at))
        .map((p) => [p.type, p.value]),
    ) as Record<string, string>;
  const p = parts(ms);
  const today = parts(now);
  const time = `${p.hour}:${p.minute}`;
  return p.year === today.year && p.month === today.month && p.day === today.day
    ? time
    : `${p.year}-${p.month}-${p.day} ${time}`;
}

/** A schedule in words, for lists: "once at …", "cron 0 9 * * 1 (Europe/Paris)", "every 2 h". */
export function describeSchedule(
  schedule: JobSchedule,
  timeZone: string,
  now = Date.now(),
): string {
  switch (schedule.kind) {
    case 'once':
      return `once at ${formatTime(schedule.at, timeZone, now)} (${timeZone})`;
    case 'cron':
      return `cron "${schedule.expression}" (${schedule.timeZone})`;
    case 'interval':
      return `every ${formatDuration(schedule.everyMs)}`;
  }
}

function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size} ${unit}`;
  return `${Math.round(ms / 1000)} s`;
}
