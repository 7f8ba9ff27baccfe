/**
 * The chunk step: splits rendered text into pieces within `maxMessageLength`
 * (`adapter.chunk`, or `chunkText` from `chunk.ts`) and sends them one after the
 * other, in order. Buttons ride on the last piece; a message that replaces a sent
 * one (a streamed draft) edits it with the first piece and sends the rest new.
 *
 *   format → [chunk] → plain fallback → throttle → retry → mapErrors → adapter.send
 *
 * The split is pure and deterministic: the bridge freezes a reply's pieces in the
 * inbox before sending, and a restart resumes at the first piece not yet sent.
 */
import type { ChannelAdapter } from '../../core/contract.js';
import { chunkText } from './chunk.js';
import type { Wrap } from './pipeline.js';

/** What a reply with no visible text is sent as. */
const EMPTY_REPLY = '…';

/** Rendered text → the pieces `adapter` sends it as (never none). */
export function splitterFor(adapter: ChannelAdapter): (rendered: string) => string[] {
  const limit = adapter.capabilities.maxMessageLength;
  return (rendered) => {
    const pieces = adapter.chunk ? adapter.chunk(rendered, limit) : chunkText(rendered, limit);
    return pieces.length > 0 ? pieces : [EMPTY_REPLY];
  };
}

/** Calls `next` once per piece of the message's text, in order; returns every id. */
export function chunk(split: (rendered: string) => string[]): Wrap {
  return (next) =>
    async (target, { text, buttons, replaces, ...rest }) => {
      const pieces = split(text);
      const ids: string[] = [];
      for (const [index, piece] of pieces.entries()) {
        const last = index === pieces.length - 1;
        const sent = await next(target, {
          ...rest,
          text: piece,
          ...(last && buttons?.length ? { buttons } : {}),
          ...(index === 0 && replaces !== undefined ? { replaces } : {}),
        });
        ids.push(sent.messageId);
      }
      return { messageId: ids.at(-1)!, messageIds: ids };
    };
}
