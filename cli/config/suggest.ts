/**
 * "Did you mean …" for an unknown config key: the known key at the same level
 * closest in spelling (edit distance, case ignored), when it is close enough to
 * be a typo rather than a different word.
 */
import { configFields } from './fields.js';

let known: Map<string, Set<string>> | undefined;

/** Known key names per section path (`''` for the top level, `llm`, `channels.telegram` …). */
function keysBySection(): Map<string, Set<string>> {
  if (known) return known;
  known = new Map();
  for (const { key } of configFields()) {
    const parts = key.split('.');
    for (let i = 0; i < parts.length; i++) {
      const section = parts.slice(0, i).join('.');
      const names = known.get(section) ?? new Set<string>();
      names.add(parts[i]!);
      known.set(section, names);
    }
  }
  return known;
}

/** The known key under `section` that `name` is probably a misspelling of. */
export function didYouMean(section: string, name: string): string | undefined {
  const names = keysBySection().get(section);
  if (!names) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  return best && best.distance <= allowed ? best.name : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i]!;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** `PARLEY_CHANNELS__TELEGRAM__ENABLED` for `channels.telegram.enabled`. */
export const genericVariable = (key: string): string =>
  `PARLEY_${key
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('__')}`;
