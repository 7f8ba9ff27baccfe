import { describe, expect, it } from 'vitest';
import { containerLabels, isOrphan, type Owner } from './orphans.js';

const self: Owner = { host: 'box', pid: 100, instance: 'me' };
const now = 1_000_000;

describe('isOrphan', () => {
  it('keeps my own containers until their deadline, then removes them', () => {
    const labels = containerLabels(self, now + 10);
    expect(isOrphan(labels, self, now)).toBe(false);
    expect(isOrphan(labels, self, now + 11)).toBe(true);
  });

  it('removes containers whose owner process on this host is dead', () => {
    const labels = containerLabels({ host: 'box', pid: 200, instance: 'other' }, now + 10_000);
    expect(isOrphan(labels, self, now, () => false)).toBe(true);
    expect(isOrphan(labels, self, now, () => true)).toBe(false);
  });

  it('leaves live containers of other hosts alone until their deadline', () => {
    const labels = containerLabels({ host: 'elsewhere', pid: 200, instance: 'x' }, now + 10);
    expect(isOrphan(labels, self, now, () => false)).toBe(false);
    expect(isOrphan(labels, self, now + 11, () => false)).toBe(true);
  });

  it('treats a container without a readable deadline as left behind', () => {
    expect(isOrphan({ 'parley.sandbox': '1' }, self, now)).toBe(true);
  });
});
