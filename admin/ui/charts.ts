/** The live charts: inline SVG polylines drawn from the `/api/stats` buckets. */
import { $ } from './dom.js';
import type { Stats, StatsBucket } from './types.js';

const SVG = 'http://www.w3.org/2000/svg';

interface Line {
  values: (number | null)[];
  color: string;
}

function svgNode(tag: string, attributes: Record<string, string>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function lineGroup(line: Line, max: number, n: number): SVGElement {
  const points = line.values
    .map((v, i) =>
      v === null ? null : `${((i * 300) / (n - 1)).toFixed(1)},${(88 - (v / max) * 80).toFixed(1)}`,
    )
    .filter((p): p is string => p !== null)
    .join(' ');
  const group = svgNode('g', {});
  group.appendChild(
    svgNode('polyline', {
      points,
      fill: 'none',
      stroke: line.color,
      'stroke-width': '2',
      'vector-effect': 'non-scaling-stroke',
    }),
  );
  const [cx, cy] = (points.split(' ').pop() ?? '').split(',');
  if (cx && cy) group.appendChild(svgNode('circle', { cx, cy, r: '2.5', fill: line.color }));
  return group;
}

function drawChart(id: string, lines: Line[], label: string): void {
  const figure = $(id);
  const svg = figure.querySelector('svg');
  const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)));
  const n = Math.max(2, ...lines.map((l) => l.values.length));
  const top = svgNode('text', { x: '4', y: '12', 'font-size': '10', fill: 'currentColor' });
  top.textContent = `max ${Math.round(max)}`;
  svg?.replaceChildren(top, ...lines.map((line) => lineGroup(line, max, n)));
  const first = lines[0]?.values ?? [];
  const last = first[first.length - 1];
  figure.dataset.last = last === null || last === undefined ? '' : String(last);
  const value = figure.querySelector('.value');
  if (value) value.textContent = label;
}

function perMinute(buckets: StatsBucket[], key: 'messagesIn' | 'sandboxRuns', bucketMs: number) {
  const per = Math.max(1, Math.round(60000 / bucketMs));
  return buckets.map((_, i) =>
    buckets.slice(Math.max(0, i - per + 1), i + 1).reduce((sum, b) => sum + b[key], 0),
  );
}

export function renderStats(stats: Stats): void {
  const b = stats.buckets;
  const messages = perMinute(b, 'messagesIn', stats.bucketMs);
  drawChart(
    'chart-messages',
    [{ values: messages, color: '#2b6cb0' }],
    `${messages[messages.length - 1] || 0}/min · ${stats.totals.messagesIn} total`,
  );
  drawChart(
    'chart-queue',
    [{ values: b.map((x) => x.queueDepth), color: '#2a9d55' }],
    `${stats.queueDepth} waiting`,
  );
  const lastP = b.filter((x) => x.latencyP50 !== null).pop();
  drawChart(
    'chart-latency',
    [
      { values: b.map((x) => x.latencyP50), color: '#2b6cb0' },
      { values: b.map((x) => x.latencyP99), color: '#d33' },
    ],
    lastP ? `${lastP.latencyP50} / ${lastP.latencyP99} ms` : 'no replies yet',
  );
  const runs = perMinute(b, 'sandboxRuns', stats.bucketMs);
  drawChart(
    'chart-sandbox',
    [{ values: runs, color: '#c60' }],
    `${runs[runs.length - 1] || 0}/min · ${stats.totals.sandboxRuns} total`,
  );
}
