import { PassThrough } from 'node:stream';
import { type ContractSetup, channelContract } from '../../test/contract/channel.js';
import { TerminalChannel } from './adapter.js';

/** The terminal channel on in-memory streams: typed lines in, printed replies out. */
channelContract(
  'terminal',
  {
    async setup(): Promise<ContractSetup> {
      const input = new PassThrough();
      const output = new PassThrough();
      const replies: string[] = [];
      // The adapter prints each reply in one write: "\nparley> <text>\n".
      output.on('data', (chunk: Buffer) => {
        const written = chunk.toString('utf8');
        if (written.startsWith('\nparley> ')) replies.push(written.slice(9, -1));
      });
      return {
        adapter: new TerminalChannel({ input, output }),
        inject: async (_kind, text) => {
          input.write(`${text}\n`);
        },
        sent: () => replies.map((text) => ({ conversationId: 'console', text })),
        fail429Once: () => {
          throw new Error('the terminal has no rate limit');
        },
        target: { account: 'local', conversationId: 'console', chatType: 'dm' },
        teardown: async () => {
          input.end();
        },
      };
    },
  },
  {
    skip: [
      { cases: ['group', 'thread'], reason: 'the terminal is one local user in one conversation' },
      { cases: ['edit'], reason: 'printed lines cannot be edited' },
      { cases: ['rate-limit'], reason: 'a local stream has no platform that refuses' },
      { cases: ['resend'], reason: 'one local process: no other node resumes its replies' },
    ],
  },
);
