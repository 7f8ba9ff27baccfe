/**
 * The floor of the Telegram path on this machine: the least a Node bot does per DM
 * over HTTP, with no store, no agent and no library. It long-polls `getUpdates`,
 * asks the model (streamed, the same request size as Parley's first turn) and
 * answers with `sendMessage`, over `node:http` keep-alive sockets, one update at a
 * time. `telegram-latency.bench.ts` runs it as its own process against the same
 * doubles and DMs as Parley, so its CPU per message is what the machine charges for
 * the three loopback requests and the waits between them; Parley's figure minus
 * this one is Parley's own work.
 *
 * Usage: `node telegram-floor.js <bot api root> <token> <model base url>`
 */
import { Agent, request } from 'node:http';

const [apiRoot, token, modelUrl] = process.argv.slice(2) as [string, string, string];
const agent = new Agent({ keepAlive: true });

/** POSTs `body` as JSON and resolves with the whole response body. */
function post(url: string, body: unknown): Promise<string> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (piece: string) => {
          text += piece;
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

interface Update {
  update_id: number;
  message?: { chat: { id: number }; text?: string };
}

/** The text of a streamed completion: every `delta.content` of its SSE events. */
const streamedText = (sse: string) =>
  sse
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('');

const system = 'You are a helpful assistant. '.repeat(100);

async function answer(update: Update): Promise<void> {
  if (!update.message) return;
  const sse = await post(`${modelUrl}/chat/completions`, {
    model: 'bench',
    stream: true,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: update.message.text ?? '' },
    ],
  });
  await post(`${apiRoot}/bot${token}/sendMessage`, {
    chat_id: update.message.chat.id,
    text: streamedText(sse),
  });
}

let offset = 0;
process.stdout.write('ready\n');
for (;;) {
  const reply = JSON.parse(
    await post(`${apiRoot}/bot${token}/getUpdates`, { offset, timeout: 30 }),
  ) as { result: Update[] };
  for (const update of reply.result) {
    offset = update.update_id + 1;
    await answer(update);
  }
}
