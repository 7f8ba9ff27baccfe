/**
 * The format step, first in the pipeline: model Markdown → the adapter's dialect
 * (`adapter.render`, from `channels/<name>/format.ts`; unchanged when it has none).
 *
 *   [format] → chunk → plain fallback → throttle → retry → mapErrors → adapter.send
 *
 * The rendering is a pure function, so the bridge can also run it (with the chunk
 * step's split) before a reply is frozen in the inbox: see `Sender.render`.
 */
import type { ChannelAdapter, FormatDialect } from '../../core/contract.js';
import type { Wrap } from './pipeline.js';

/** Markdown → rendered text, the way `adapter` renders it. */
export function rendererFor(adapter: ChannelAdapter): (markdown: string) => string {
  return adapter.render ? (markdown) => adapter.render!(markdown) : (markdown) => markdown;
}

/** Renders the Markdown a message carries with `render` and labels it `dialect`. */
export function format(render: (markdown: string) => string, dialect: FormatDialect): Wrap {
  return (next) => (target, message) =>
    next(target, { ...message, text: render(message.text), format: dialect });
}
