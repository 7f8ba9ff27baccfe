/**
 * The terminal channel: a REPL on the process's own terminal when `npm start` runs
 * in one. The local user is the owner of this conversation (whoever can type here
 * can also edit the config). Answers stream as they are written.
 */
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';

/** The local user's principal (`channel:senderId`); an owner. */
export const TERMINAL_PRINCIPAL = 'terminal:local';

export interface TerminalOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Called when the user closes the REPL (Ctrl+D / Ctrl+C). */
  onClose?: () => void;
}

export class TerminalChannel implements ChannelAdapter {
  readonly id = 'terminal';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: 100_000,
    format: 'markdown',
    edits: false,
    buttons: false,
    threads: false,
    typing: false,
    streaming: 'deltas',
    rateLimits: {},
    preauthenticated: true,
  };
  private rl: Interface | undefined;
  private counter = 0;
  private streaming = false;

  constructor(private readonly options: TerminalOptions) {}

  async start(sink: InboundSink): Promise<void> {
    const rl = createInterface({
      input: this.options.input,
      output: this.options.output,
      prompt: 'you> ',
    });
    this.rl = rl;
    rl.on('line', (line) => {
      const text = line.trim();
      if (!text) return rl.prompt();
      void sink.accept({
        channel: 'terminal',
        account: 'local',
        conversationId: 'console',
        sender: { id: 'local', name: 'you' },
        chatType: 'dm',
        mentionsBot: true,
        repliesToBot: false,
        text,
        attachments: [],
        platformMessageId: `${process.pid}-${Date.now()}-${++this.counter}`,
        timestamp: Date.now(),
      });
    });
    rl.on('close', () => this.options.onClose?.());
    this.options.output.write('Type a message for Parley (/help for commands, Ctrl+D to quit).\n');
    rl.prompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
    this.rl = undefined;
  }

  /**
   * Runs `write` (something else printing to the same terminal, e.g. a log line)
   * without breaking the prompt: the prompt line is cleared first and redrawn
   * afterwards with what was typed so far. While an answer streams, the write
   * starts on a line of its own and the answer continues below it.
   */
  aroundOutput(write: () => void): void {
    const { output } = this.options;
    if (!this.rl) {
      write();
      return;
    }
    if (this.streaming) {
      output.write('\n');
      write();
      output.write('parley> ');
      return;
    }
    clearLine(output, 0);
    cursorTo(output, 0);
    write();
    this.rl.prompt(true);
  }

  streamDelta(_target: OutboundTarget, _replyId: string, delta: string): void {
    if (!this.streaming) this.options.output.write('\nparley> ');
    this.streaming = true;
    this.options.output.write(delta);
  }

  async send(_target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    this.options.output.write(this.streaming ? '\n' : `\nparley> ${message.text}\n`);
    this.streaming = false;
    this.rl?.prompt();
    return { messageId: String(++this.counter) };
  }
}
