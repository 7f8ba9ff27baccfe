import { join } from 'node:path';
import pino from 'pino';
import { WebSocket } from 'ws';
import { openSqliteStores } from '../../sessions/sqlite/index.js';
import { createWorkspaceFiles } from '../../sessions/workspace/index.js';
import { type ContractSetup, channelContract } from '../../test/contract/channel.js';
import { tempDir } from '../../test/harness.js';
import { loopbackServer } from '../../test/http.js';
import { WebChannel } from './adapter.js';

const TOKEN = 'web-token-0123456789';

/**
 * The web chat through its real entry point: a WebSocket client on Parley's HTTP
 * server (loopback, ephemeral port), the web outbox in a real SQLite file.
 */
channelContract(
  'web',
  {
    async setup(): Promise<ContractSetup> {
      const log = pino({ level: 'silent' });
      const server = loopbackServer(log, TOKEN);
      const dir = tempDir();
      const stores = openSqliteStores(join(dir, 'parley.db'));
      const adapter = new WebChannel({
        http: server.app,
        outbox: stores.webOutbox,
        state: stores.authState('web:conversations'),
        files: createWorkspaceFiles(dir),
        log,
      });
      const clientId = `contract${Date.now().toString(36)}`;
      const messages: string[] = [];
      let socket: WebSocket | undefined;
      let counter = 0;
      const connect = async () => {
        const url = (await server.listen()).replace('http', 'ws');
        const ws = new WebSocket(`${url}/ws?client=${clientId}&token=${TOKEN}`);
        ws.on('message', (data) => {
          const frame = JSON.parse(String(data)) as { type: string; text?: string };
          if (frame.type === 'message') messages.push(frame.text ?? '');
        });
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        socket = ws;
      };
      // The browser connects as soon as the page is served: right after start.
      const start = adapter.start.bind(adapter);
      adapter.start = async (sink) => {
        await start(sink);
        await connect();
      };
      return {
        adapter,
        inject: async (_kind, text) => {
          socket!.send(JSON.stringify({ type: 'message', id: `m${++counter}`, text }));
        },
        sent: () => messages.map((text) => ({ conversationId: clientId, text })),
        fail429Once: () => {
          throw new Error('the web chat has no platform that refuses');
        },
        target: { account: 'local', conversationId: clientId, chatType: 'dm' },
        teardown: async () => {
          socket?.close();
          await server.close();
          await stores.close();
        },
      };
    },
  },
  {
    skip: [
      { cases: ['group', 'thread'], reason: 'each browser client is its own one-to-one chat' },
      { cases: ['edit'], reason: 'the web chat shows streamed deltas instead of edits' },
      { cases: ['rate-limit'], reason: 'delivery is a local write to the outbox' },
      {
        cases: ['resend'],
        reason: 'a reply is written to the outbox in the transaction that marks it done',
      },
    ],
  },
);
