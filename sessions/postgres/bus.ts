/**
 * A small message bus on Postgres LISTEN/NOTIFY, for what nodes tell each other that
 * is not data (a web chat reply stored on one node, for the socket held by another).
 * One connection publishes, in order (NOTIFYs of one session arrive in the order they
 * were sent); one connection listens and reconnects after a second when dropped.
 * Payloads stay small (Postgres caps them at 8,000 bytes): ids to read, not rows.
 *
 * @example
 * ```ts
 * const bus = new PostgresBus(url)
 * const off = await bus.subscribe('parley_web', (payload) => console.log(payload))
 * await bus.publish('parley_web', JSON.stringify({ clientId, seqs: [41, 42] }))
 * ```
 */
import pg from 'pg';
import type { MessageBus } from '../stores.js';

export class PostgresBus implements MessageBus {
  private publisher: Promise<pg.Client> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners: { client: pg.Client | undefined; closed: boolean }[] = [];

  constructor(
    private readonly url: string,
    private readonly onError: (error: unknown, message: string) => void = () => {},
  ) {}

  /** Sends `payload` to every subscriber of `topic` on every node (this one included). */
  publish(topic: string, payload: string): Promise<void> {
    const send = this.queue.then(async () => {
      try {
        const client = await this.connectPublisher();
        await client.query('SELECT pg_notify($1, $2)', [topic, payload]);
      } catch (error) {
        this.publisher = undefined;
        this.onError(error, `publishing on ${topic} failed`);
      }
    });
    this.queue = send;
    return send;
  }

  async subscribe(
    topic: string,
    onMessage: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    const state: { client: pg.Client | undefined; closed: boolean } = {
      client: undefined,
      closed: false,
    };
    this.listeners.push(state);
    const connect = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (message) => {
        if (message.channel === topic) onMessage(message.payload ?? '');
      });
      client.on('error', (error) => {
        this.onError(error, `listening on ${topic} failed; reconnecting`);
        void client.end().catch(() => {});
        if (!state.closed) setTimeout(() => void connect().catch(() => {}), 1000).unref();
      });
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(topic)}`);
      state.client = client;
      if (state.closed) await client.end();
    };
    await connect();
    return async () => {
      state.closed = true;
      await state.client?.end().catch(() => {});
    };
  }

  async close(): Promise<void> {
    await this.queue;
    for (const state of this.listeners) {
      state.closed = true;
      await state.client?.end().catch(() => {});
    }
    const publisher = await this.publisher?.catch(() => undefined);
    await publisher?.end().catch(() => {});
  }

  private connectPublisher(): Promise<pg.Client> {
    this.publisher ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', (error) => {
        this.publisher = undefined;
        this.onError(error, 'bus publisher connection failed');
      });
      await client.connect();
      return client;
    })();
    return this.publisher;
  }
}
