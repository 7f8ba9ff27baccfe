/**
 * Markdown rendering bench, in-process, no network: the cost of the `format` step
 * (and `format → chunk`) of the outbound pipeline for a typical 2 KB model reply
 * (headings, emphasis, links, a list, a table, a code block), per dialect.
 *
 * Reports microseconds per reply (median of `rounds` rounds of `perRound` renders,
 * after a warm-up), for `render` alone and for `render` + the chunker at the
 * channel's limit (Telegram: tag-aware HTML chunking).
 *
 * Env: PARLEY_BENCH_MARKDOWN_ROUNDS (default 7), PARLEY_BENCH_MARKDOWN_PER_ROUND (20).
 */
import { chunkText } from '../../bridge/outbound/chunk.js';
import { renderDiscord } from '../../channels/discord/format.js';
import { markdownToMrkdwn } from '../../channels/slack/format.js';
import { chunkHtml, renderTelegramHtml } from '../../channels/telegram/format.js';
import { renderWhatsApp } from '../../channels/whatsapp/format.js';

const SECTION = [
  '## Plan for **today**',
  '',
  'Here is what I found in [the docs](https://example.com/docs?a=1&b=2): the `parse()` call',
  'is *slow* when the input has ~~many~~ a few <tags> & entities, so we cache it.',
  '',
  '- first, check the `config.yaml` file',
  '- then run **npm test** and look at _the output_',
  '  1. nested step',
  '',
  '| name | value |',
  '|------|------:|',
  '| alpha | 1 |',
  '| beta | 22 |',
  '',
  '```ts',
  'const answer = items.filter((x) => x.ok && x.n < 3).map(String);',
  '```',
  '',
  '> Quoted advice that spans',
  '> two lines.',
  '',
].join('\n');

/** A reply of about 2,000 characters. */
export const REPLY_2KB = SECTION.repeat(Math.ceil(2000 / SECTION.length)).slice(0, 2000);

const DIALECTS: Record<
  string,
  { render: (md: string) => string; chunk: (text: string) => string[] }
> = {
  telegram: { render: renderTelegramHtml, chunk: (html) => chunkHtml(html, 4096) },
  slack: { render: markdownToMrkdwn, chunk: (text) => chunkText(text, 3000) },
  discord: { render: renderDiscord, chunk: (text) => chunkText(text, 2000) },
  whatsapp: { render: renderWhatsApp, chunk: (text) => chunkText(text, 4000) },
};

/** Median microseconds per call of `run`. */
function measure(run: () => unknown, rounds: number, perRound: number): number {
  for (let i = 0; i < perRound; i++) run();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) run();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / perRound);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)]! * 10) / 10;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const rounds = Number(process.env.PARLEY_BENCH_MARKDOWN_ROUNDS ?? 7);
  const perRound = Number(process.env.PARLEY_BENCH_MARKDOWN_PER_ROUND ?? 20);
  const figures: Record<string, unknown> = { replyChars: REPLY_2KB.length };
  for (const [name, dialect] of Object.entries(DIALECTS)) {
    figures[name] = {
      renderUs: measure(() => dialect.render(REPLY_2KB), rounds, perRound),
      renderAndChunkUs: measure(() => dialect.chunk(dialect.render(REPLY_2KB)), rounds, perRound),
    };
  }
  return figures;
}
