/**
 * The shared channel contract suite, run against the Telegram adapter polling the
 * Bot API double (test/doubles/telegram.ts).
 */
import pino from 'pino';
import { createWorkspaceFiles as workspaceFiles } from '../../sessions/workspace/index.js';
import { channelContract } from '../../test/contract/channel.js';
import { startTelegramDouble, TEST_BOT, TEST_TOKEN } from '../../test/doubles/telegram.js';
import { tempDir } from '../../test/harness.js';
import { TelegramChannel } from './adapter.js';

channelContract(
  'telegram',
  {
    async setup() {
      const double = await startTelegramDouble();
      const adapter = new TelegramChannel({
        token: TEST_TOKEN,
        apiRoot: double.apiRoot,
        botInfo: TEST_BOT,
        files: workspaceFiles(tempDir()),
        rateLimits: {},
        log: pino({ level: 'silent' }),
      });
      const bot = `@${TEST_BOT.username}`;
      return {
        adapter,
        async inject(kind, text) {
          if (kind === 'dm') double.message({ chatId: 42, text });
          if (kind === 'groupMention') double.message({ chatId: -100, text: `${bot} ${text}` });
          if (kind === 'groupPlain') double.message({ chatId: -100, text });
          if (kind === 'threadReply') double.message({ chatId: -100, topicId: 7, text });
        },
        sent: () =>
          double.sent.map((m) => ({
            conversationId: m.chatId,
            text: m.text,
            ...(m.threadId !== undefined ? { threadId: String(m.threadId) } : {}),
          })),
        edited: () => new Map(double.sent.map((m) => [String(m.messageId), m.text])),
        fail429Once: (retryAfter) => double.failNext('sendMessage', { status: 429, retryAfter }),
        target: { account: 'default', conversationId: '42', chatType: 'dm' },
        teardown: () => double.close(),
      };
    },
  },
  {
    skip: [
      {
        cases: ['resend'],
        reason: 'the Bot API has no idempotency key: a piece sent again is a second message',
      },
    ],
  },
);
