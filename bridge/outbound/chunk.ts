/**
 * The `chunk` step of the outbound pipeline (format → chunk → throttle → retry →
 * send): rendered text → messages within the channel's `maxMessageLength`.
 *
 * The chunker itself lives in `core/chunk.ts`, because channels use the same one
 * (Telegram chunks its HTML with it): one boundary rule for every dialect. The
 * sender's default, for adapters without their own `chunk`, is the `'text'`
 * markup: ``` / ~~~ fences closed and reopened, `<…>` tokens and entities kept whole.
 *
 * @example
 * ```ts
 * chunkText('a'.repeat(5000), 4096).map(c => c.length) // [4092, 908]
 * ```
 */
export { type Chunk, chunkText, chunkWithBodies, fenceAfter } from '../../core/chunk.js';
