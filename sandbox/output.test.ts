import { describe, expect, it } from 'vitest';
import { CappedOutput, Demuxer } from './output.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function demux(bytes: Buffer, chunkSize: number, limit = 100) {
  const stdout = new CappedOutput(limit);
  const stderr = new CappedOutput(limit);
  const demuxer = new Demuxer(stdout, stderr);
  for (let i = 0; i < bytes.length; i += chunkSize) demuxer.write(bytes.subarray(i, i + chunkSize));
  await new Promise<void>((resolve) => demuxer.end(resolve));
  return { stdout, stderr };
}

describe('Demuxer', () => {
  const stream = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);

  it.each([1, 3, 7, 8, 1000])('splits stdout and stderr with %i-byte chunks', async (size) => {
    const { stdout, stderr } = await demux(stream, size);
    expect(stdout.text()).toBe('hello world');
    expect(stderr.text()).toBe('oops');
  });
});

describe('CappedOutput', () => {
  it('keeps the first characters, counts the rest and marks the cut', async () => {
    const big = Buffer.concat(Array.from({ length: 50 }, () => frame(1, 'x'.repeat(1000))));
    const { stdout } = await demux(big, 4096, 100);
    expect(stdout.totalBytes).toBe(50_000);
    expect(stdout.truncated).toBe(true);
    expect(stdout.text()).toMatch(
      /^x{100}\n…\[output truncated: showing 100 characters; 49900 more/,
    );
  });

  it('cuts by characters, not bytes, and never splits a character', () => {
    const out = new CappedOutput(3);
    out.write(Buffer.from('ééééé'));
    expect(out.text().startsWith('ééé\n…[output truncated')).toBe(true);
    const exact = new CappedOutput(3);
    exact.write(Buffer.from('abc'));
    expect(exact.text()).toBe('abc');
    expect(exact.truncated).toBe(false);
  });
});
