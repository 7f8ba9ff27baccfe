/**
 * Output capture for sandbox containers. Docker multiplexes a container's stdout and
 * stderr on one attach stream (8-byte frame headers: stream type, 0 0 0, length).
 * `Demuxer` splits that stream without buffering whole frames, and `CappedOutput`
 * keeps only the first bytes of each side and counts (then discards) the rest, so
 * a container printing 100 MB costs Parley a few kilobytes of memory.
 *
 * @example
 * ```ts
 * const stdout = new CappedOutput(10_000), stderr = new CappedOutput(10_000)
 * attachStream.pipe(new Demuxer(stdout, stderr))
 * // after the container exits
 * stdout.text() // first 10,000 characters, plus a marker when cut
 * ```
 */
import { Writable } from 'node:stream';

/** Keeps the first `limitChars` characters of a byte stream; counts the rest. */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte received, kept or not. */
  totalBytes = 0;

  constructor(readonly limitChars: number) {}

  private get limitBytes(): number {
    return this.limitChars * 4; // a character is at most 4 UTF-8 bytes
  }

  write(bytes: Buffer): void {
    this.totalBytes += bytes.length;
    const room = this.limitBytes - this.kept;
    if (room <= 0) return;
    const part = bytes.length > room ? Buffer.from(bytes.subarray(0, room)) : Buffer.from(bytes);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** The kept text, cut at `limitChars`. */
  private decoded(): { text: string; truncated: boolean } {
    const all = Buffer.concat(this.chunks).toString('utf8');
    const chars = Array.from(all);
    const truncated = this.totalBytes > this.kept || chars.length > this.limitChars;
    return { text: truncated ? chars.slice(0, this.limitChars).join('') : all, truncated };
  }

  get truncated(): boolean {
    return this.decoded().truncated;
  }

  /** The text for the model, ending with a visible marker when it was cut. */
  text(): string {
    const { text, truncated } = this.decoded();
    if (!truncated) return text;
    const shown = Buffer.byteLength(text);
    return `${text}\n…[output truncated: showing ${this.limitChars} characters; ${this.totalBytes - shown} more bytes discarded]`;
  }
}

/** Splits Docker's multiplexed attach stream into stdout and stderr, frame by frame. */
export class Demuxer extends Writable {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private target: CappedOutput | undefined;

  constructor(
    private readonly stdout: CappedOutput,
    private readonly stderr: CappedOutput,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.target?.write(chunk.subarray(offset, offset + take));
        this.remaining -= take;
        offset += take;
        continue;
      }
      const need = 8 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (this.header.length < 8) break;
      const type = this.header.readUInt8(0);
      this.remaining = this.header.readUInt32BE(4);
      this.target = type === 2 ? this.stderr : type === 1 ? this.stdout : undefined;
      this.header = Buffer.alloc(0);
    }
    done();
  }
}
