/**
 * The live charts, drawn with uPlot from the `/api/stats` buckets (10 s each, the
 * last 10 minutes): a time axis, a y axis with its unit, a hover readout, and an
 * empty-state line while there is nothing to show. Charts follow the page's size
 * (ResizeObserver) and colour scheme (rebuilt when it changes).
 */
import uPlot from 'uplot';
import css from 'uplot/dist/uPlot.min.css';
import { $ } from './dom.js';
import type { Stats, StatsBucket } from './types.js';

interface Series {
  label: string;
  values: (number | null)[];
  /** A CSS variable of the page, read when the chart is built. */
  color: string;
}

interface ChartSpec {
  id: string;
  unit: string;
  empty: string;
  series: (stats: Stats) => Series[];
  caption: (stats: Stats) => string;
}

const charts = new Map<string, uPlot>();
let lastStats: Stats | undefined;

const style = document.createElement('style');
style.textContent = css;
document.head.appendChild(style);

function perMinute(stats: Stats, key: 'messagesIn' | 'sandboxRuns'): number[] {
  const b = stats.buckets;
  const per = Math.max(1, Math.round(60000 / stats.bucketMs));
  return b.map((_, i) =>
    b.slice(Math.max(0, i - per + 1), i + 1).reduce((sum, x) => sum + (x[key] ?? 0), 0),
  );
}

const pick = (b: StatsBucket[], key: keyof StatsBucket) => b.map((x) => x[key] ?? null);

const SPECS: ChartSpec[] = [
  {
    id: 'chart-messages',
    unit: 'msg/min',
    empty: 'No messages in the last 10 minutes',
    series: (s) => [{ label: 'received', values: perMinute(s, 'messagesIn'), color: '--accent' }],
    caption: (s) =>
      `${perMinute(s, 'messagesIn').at(-1) ?? 0} msg/min · ${s.totals.messagesIn ?? 0} total`,
  },
  {
    id: 'chart-queue',
    unit: 'waiting',
    empty: 'Nothing queued in the last 10 minutes',
    series: (s) => [{ label: 'waiting', values: pick(s.buckets, 'queueDepth'), color: '--ok' }],
    caption: (s) => `${s.queueDepth} waiting`,
  },
  {
    id: 'chart-latency',
    unit: 'ms',
    empty: 'No replies yet',
    series: (s) => [
      { label: 'p50', values: pick(s.buckets, 'latencyP50'), color: '--accent' },
      { label: 'p99', values: pick(s.buckets, 'latencyP99'), color: '--bad' },
    ],
    caption: (s) => {
      const last = s.buckets.filter((x) => x.latencyP50 !== null).pop();
      return last ? `${last.latencyP50} / ${last.latencyP99} ms` : 'no replies yet';
    },
  },
  {
    id: 'chart-sandbox',
    unit: 'runs/min',
    empty: 'No sandbox runs in the last 10 minutes',
    series: (s) => [{ label: 'runs', values: perMinute(s, 'sandboxRuns'), color: '--warn' }],
    caption: (s) =>
      `${perMinute(s, 'sandboxRuns').at(-1) ?? 0} runs/min · ${s.totals.sandboxRuns ?? 0} total`,
  },
];

const cssVar = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/** "1.2k", "350", "0.5": short tick labels for the y axis. */
function short(value: number): string {
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(value % 1000 ? 1 : 0)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const CLOCK = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** Tick label of a time axis value (seconds since epoch): local "14:05:30". */
function clock(seconds: number): string {
  return CLOCK.format(new Date(seconds * 1000));
}

/** Keeps the tick labels an axis drew on its figure (`data-x-ticks`), where tests can read them. */
function shown(figure: HTMLElement, axis: 'x' | 'y', labels: string[]): string[] {
  figure.dataset[`${axis}Ticks`] = labels.join(' ');
  return labels;
}

function build(spec: ChartSpec, stats: Stats): uPlot {
  const figure = $(spec.id);
  figure.dataset.unit = spec.unit;
  const plot = figure.querySelector<HTMLElement>('.plot')!;
  plot.replaceChildren();
  const fg = cssVar('--muted');
  const grid = cssVar('--line');
  const series = spec.series(stats);
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const options: uPlot.Options = {
    width: Math.max(200, plot.clientWidth),
    height: plot.clientHeight || 170,
    legend: { show: false },
    // Room on the right for the last time label, which is centred on its tick.
    padding: [8, 30, 0, 0],
    cursor: { points: { size: 6 }, drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(spec.unit === 'ms' ? 10 : 1, max * 1.15)] },
    },
    axes: [
      { ...axis, space: 70, values: (_u, ticks) => shown(figure, 'x', ticks.map(clock)) },
      {
        ...axis,
        label: spec.unit,
        labelSize: 18,
        size: 46,
        values: (_u, ticks) => shown(figure, 'y', ticks.map(short)),
      },
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: cssVar(s.color),
        width: 2,
        // uPlot marks the values with dots only where they are sparse (a lone bucket).
        spanGaps: false,
      })),
    ],
  };
  return new uPlot(options, data(stats, series), plot);
}

function data(stats: Stats, series: Series[]): uPlot.AlignedData {
  const xs = stats.buckets.map((b) => (b.t ?? 0) / 1000);
  return [xs, ...series.map((s) => s.values)];
}

function update(spec: ChartSpec, stats: Stats): void {
  let chart = charts.get(spec.id);
  if (!chart) {
    chart = build(spec, stats);
    charts.set(spec.id, chart);
  } else chart.setData(data(stats, spec.series(stats)));
  const figure = $(spec.id);
  const series = spec.series(stats);
  const first = series[0]?.values ?? [];
  const last = first.at(-1);
  figure.dataset.last = last === null || last === undefined ? '' : String(last);
  const empty = figure.querySelector<HTMLElement>('.chart-empty')!;
  const nothing = series.every((s) => s.values.every((v) => v === null || v === 0));
  empty.hidden = !nothing;
  empty.textContent = spec.empty;
  const value = figure.querySelector('.value');
  if (value) value.textContent = spec.caption(stats);
}

export function renderStats(stats: Stats): void {
  lastStats = stats;
  for (const spec of SPECS) update(spec, stats);
}

/** Builds every chart again (new colours or size) from the last figures. */
function rebuild(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  if (lastStats) renderStats(lastStats);
}

matchMedia('(prefers-color-scheme: dark)').addEventListener('change', rebuild);
new ResizeObserver(() => {
  for (const [id, chart] of charts) {
    const plot = $(id).querySelector<HTMLElement>('.plot')!;
    if (Math.abs(plot.clientWidth - chart.width) > 1)
      chart.setSize({ width: Math.max(200, plot.clientWidth), height: plot.clientHeight || 170 });
  }
}).observe(document.querySelector('#live-section') ?? document.body);
