/**
 * The benches' web chat client: one WebSocket conversation that sends its messages
 * one after another, each after the previous reply, as a person at the page does.
 * Deliberately lean (one socket, one pending promise) so the bench's own CPU stays
 * small next to Parley's. Used by the core bench (one node) and the scale bench
 * (a gateway in front of workers).
 */
import WebSocket from 'ws';
import { INSTANT_REPLY } from './instant-llm.js';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/**
 * Sends `messages` messages as web client `client` and pushes each one's latency
 * (sent → final reply) to `latencies`; resolves with how many replies were wrong.
 */
export async function webConversation(
  url: string,
  client: string,
  messages: number,
  latencies: number[],
): Promise<number> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?client=${client}&token=${BENCH_TOKEN}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let replied: ((text: string) => void) | undefined;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; text?: string };
    if (frame.type === 'message') replied?.(frame.text ?? '');
  });
  let wrong = 0;
  for (let i = 0; i < messages; i++) {
    const sent = performance.now();
    const reply = new Promise<string>((resolve) => {
      replied = resolve;
    });
    ws.send(JSON.stringify({ type: 'message', id: `m${i}`, text: `message ${i}` }));
    if ((await reply) !== INSTANT_REPLY) wrong++;
    latencies.push(performance.now() - sent);
  }
  ws.close();
  return wrong;
}
