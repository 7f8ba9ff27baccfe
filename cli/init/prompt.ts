/**
 * Questions on a terminal or a pipe, for `parley init` (node:readline/promises).
 *
 * Lines are read through the interface's async iterator rather than
 * `rl.question`, so answers piped in all at once (`printf '1\n\n' | parley init`)
 * are queued, not dropped while no question is pending. On a TTY a secret is
 * typed without echo: the interface writes to a stream that is muted meanwhile.
 * The input ending early is an {@link InputClosed}, so a script gets a clear
 * message instead of a hang.
 */
import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export class InputClosed extends Error {
  constructor(question: string) {
    super(`the input ended before the question "${question.trim()}" was answered`);
  }
}

export interface Choice<T extends string> {
  value: T;
  label: string;
}

export class Prompter {
  private readonly rl: Interface;
  private readonly lines: AsyncIterator<string>;
  private muted = false;
  /** Whether the interface echoes what is typed (a TTY); on a pipe the answers are echoed here. */
  private readonly terminal: boolean;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream & { isTTY?: boolean },
  ) {
    const echo = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.muted) output.write(chunk);
        done();
      },
    });
    this.terminal = (input as { isTTY?: boolean }).isTTY === true && output.isTTY === true;
    this.rl = createInterface({ input, output: echo, terminal: this.terminal });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  say(text = ''): void {
    this.output.write(`${text}\n`);
  }

  /** A free-text answer; empty means `fallback`. */
  async ask(question: string, fallback = ''): Promise<string> {
    this.output.write(`${question}${fallback ? ` [${fallback}]` : ''}: `);
    const answer = await this.next(question);
    if (!this.terminal) this.output.write(`${answer}\n`);
    return answer === '' ? fallback : answer;
  }

  /** Like {@link ask}, not echoed on a terminal. */
  async secret(question: string): Promise<string> {
    this.output.write(`${question}: `);
    this.muted = true;
    try {
      return await this.next(question);
    } finally {
      this.muted = false;
      this.output.write(this.terminal ? '\n' : '(hidden)\n');
    }
  }

  async confirm(question: string, fallback: boolean): Promise<boolean> {
    for (;;) {
      const answer = (await this.ask(`${question} (y/n)`, fallback ? 'y' : 'n')).toLowerCase();
      if (['y', 'yes'].includes(answer)) return true;
      if (['n', 'no'].includes(answer)) return false;
      this.say('Please answer y or n.');
    }
  }

  /** One of `choices`, by number or value. */
  async choose<T extends string>(question: string, choices: Choice<T>[], fallback: T): Promise<T> {
    this.say(question);
    for (const [i, choice] of choices.entries()) this.say(`  ${i + 1}) ${choice.label}`);
    const index = choices.findIndex((c) => c.value === fallback) + 1;
    for (;;) {
      const answer = (await this.ask('Choose', String(index))).toLowerCase();
      const byNumber = choices[Number(answer) - 1];
      const picked = byNumber ?? choices.find((c) => c.value === answer);
      if (picked) return picked.value;
      this.say(`Please enter a number from 1 to ${choices.length}.`);
    }
  }

  close(): void {
    this.rl.close();
  }

  private async next(question: string): Promise<string> {
    const { value, done } = await this.lines.next();
    if (done) throw new InputClosed(question);
    return String(value).trim();
  }
}
