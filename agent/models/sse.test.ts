/**
 * The SSE reader against bodies split the awkward ways a network splits them: an
 * event across chunks, a CRLF across chunks, a multi-byte character across chunks,
 * comments, multi-line data, and an event cut off at the end of the body.
 */
import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from './sse.js';

async function read(parts: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const part of parts)
    events.push(...decoder.push(typeof part === 'string' ? new TextEncoder().encode(part) : part));
  events.push(...decoder.end());
  return events;
}

describe('SseDecoder', () => {
  it('joins an event split across chunks and reads LF, CRLF and CR line endings', async () => {
    expect(await read(['data: {"a":', '1}\n', '\ndata: two\r', '\n\r\ndata: three\r\r'])).toEqual([
      { event: null, data: '{"a":1}' },
      { event: null, data: 'two' },
      { event: null, data: 'three' },
    ]);
  });

  it('keeps a character whose bytes arrive in two chunks', async () => {
    const bytes = new TextEncoder().encode('data: café\n\n');
    const split = bytes.indexOf(0xc3) + 1;
    expect(await read([bytes.slice(0, split), bytes.slice(split)])).toEqual([
      { event: null, data: 'café' },
    ]);
  });

  it('skips comments, joins data lines, reads the event name and one optional space', async () => {
    const body = ': keep-alive\n\nevent: error\ndata:first\ndata:  second\n\n';
    expect(await read([body])).toEqual([{ event: 'error', data: 'first\n second' }]);
  });

  it('does not deliver an event the body cut off before its blank line', async () => {
    expect(await read(['data: whole\n\ndata: cut'])).toEqual([{ event: null, data: 'whole' }]);
  });
});
