/**
 * Server-sent events as a provider streams them (`text/event-stream`): the bytes of
 * a response body in, the `data` of each event out. Used by `openai.ts` to read a
 * streamed Chat Completions answer. It follows the SSE rules the providers rely
 * on (and the `openai` package's own decoder): lines end with LF, CRLF or CR; a
 * blank line ends an event; `data:` lines of one event are joined with LF; one
 * space after the colon is dropped; lines starting with `:` are comments; an
 * event cut off without its blank line at the end of the body is not delivered.
 *
 * @example
 * ```ts
 * for await (const event of sseEvents(response.body)) {
 *   if (event.data === '[DONE]') break;
 *   handle(JSON.parse(event.data));
 * }
 * ```
 */

export interface SseEvent {
  /** The `event:` field, or `null` when the event has none (the default, `message`). */
  event: string | null;
  data: string;
}

/** Folds one line into the pending event; returns the event a blank line completes. */
class EventBuilder {
  private event: string | null = null;
  private data: string[] = [];

  line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.event === null && this.data.length === 0) return undefined;
      const done = { event: this.event, data: this.data.join('\n') };
      this.event = null;
      this.data = [];
      return done;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}

/** The events of an SSE body, in order, as they arrive. */
export async function* sseEvents(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const builder = new EventBuilder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const end = lineEnd(buffered, start);
      if (end < 0) break;
      const event = builder.line(buffered.slice(start, end));
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      start =
        buffered.charCodeAt(end) === 13 && buffered.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      if (event) yield event;
    }
    buffered = buffered.slice(start);
  }
  buffered += decoder.decode();
  for (const line of buffered.split(/\r\n|\r|\n/)) {
    const event = builder.line(line);
    if (event) yield event;
  }
}

/**
 * Index of the next line ending (LF, or CR) at or after `from`, or -1. A CR that
 * ends the buffer is not yet a line ending: its LF may come in the next chunk.
 */
function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) return i;
    if (code === 13) return i + 1 < text.length ? i : -1;
  }
  return -1;
}
