import { describe, expect, it } from 'vitest';
import { deliveryKey } from './delivery-key.js';

describe('deliveryKey', () => {
  it('is the same for the same row and piece, and differs per piece, row and receive time', () => {
    const row = { id: 41, receivedAt: 1_780_000_000_123 };
    expect(deliveryKey(row, 2, false).key).toBe(deliveryKey({ ...row }, 2, true).key);
    const keys = new Set([
      deliveryKey(row, 0, false).key,
      deliveryKey(row, 1, false).key,
      deliveryKey({ ...row, id: 42 }, 0, false).key,
      deliveryKey({ ...row, receivedAt: row.receivedAt + 1 }, 0, false).key,
    ]);
    expect(keys.size).toBe(4);
  });

  it('fits in Discord’s 25-character nonce for any realistic row', () => {
    const { key } = deliveryKey({ id: 2 ** 40, receivedAt: Date.UTC(2200, 0) }, 999, false);
    expect(key.length).toBeLessThanOrEqual(25);
    expect(key).toMatch(/^[0-9a-z.]+$/);
  });
});
