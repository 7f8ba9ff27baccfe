/**
 * A channel is one module: `channels/<name>/index.ts` exports a {@link ChannelModule}
 * and `cli/` iterates the list of them. The module says what it is (id, config
 * schema with env/secret metadata) and how to build its adapter from a
 * {@link ChannelContext}: the few things a channel may use, never the whole app.
 *
 * @example
 * ```ts
 * export const echo: ChannelModule<typeof echoConfig> = {
 *   id: 'echo',
 *   description: 'Prints replies to stdout',
 *   config: echoConfig,
 *   enabled: (config) => config.enabled,
 *   create: (ctx) => new EchoChannel(ctx.config, ctx.log),
 * };
 * ```
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChannelAdapter } from './contract.js';
import type { HttpRoutes } from './http.js';
import type { AuthStateStore, WebOutboxStore, WorkspaceFiles } from './stores.js';

/** What the composition root hands a channel when it builds it. */
export interface ChannelContext<Config> {
  /** The channel's own validated config section (`channels.<id>`). */
  config: Config;
  /** Parley's data folder (for files a channel keeps, never its database). */
  dataDir: string;
  /** A logger already bound to `{ channel: id }`. */
  log: Logger;
  /** Route registration on the HTTP server; undefined when the web server is off. */
  http: HttpRoutes | undefined;
  /** Workspace files (inbound downloads). */
  files: WorkspaceFiles;
  stores: {
    /** Credentials of one account, namespaced e.g. `whatsapp:default`. */
    authState(namespace: string): AuthStateStore;
    webOutbox: WebOutboxStore;
    /** Moves sessions of a conversation whose platform id changed; returns rows moved. */
    moveConversation(channel: string, from: string, to: string): Promise<number>;
  };
  /** Chat commands the router understands, for platforms that list them (Telegram). */
  commands: readonly { name: string; description: string }[];
  /** Test seams a channel reads for itself (e.g. a stand-in socket factory). */
  seams: Readonly<Record<string, unknown>>;
  /** Runs `fn` on shutdown, last registered first. */
  onStop(fn: () => Promise<void> | void): void;
  /** The operator's terminal when Parley runs in one (e.g. to draw a pairing QR). */
  tty?: { write(text: string): void } | undefined;
}

/** What a channel's `probe` may use besides its config. */
export interface ProbeContext {
  /** Aborts when `parley doctor`'s time limit is reached. */
  signal: AbortSignal;
  stores: Pick<ChannelContext<unknown>['stores'], 'authState'>;
}

/** What `parley doctor` prints for one channel. */
export interface ProbeResult {
  ok: boolean;
  /** What was checked and found, in plain words. */
  detail: string;
  /** How to fix it when not ok. */
  fix?: string;
}

/** What a channel's interactive login (WhatsApp pairing) may use. */
export interface LoginContext<Config> extends Omit<ChannelContext<Config>, 'http' | 'files'> {
  /** Where to print instructions and QR codes. */
  output: NodeJS.WritableStream;
  /** Extra arguments from the command line (e.g. `--phone`). */
  args: Readonly<Record<string, string | boolean>>;
}

export interface ChannelModule<Schema extends z.ZodType = z.ZodType> {
  /** Channel id: key under `channels:` in config and prefix of conversation keys. */
  readonly id: string;
  /** One line for docs and `parley doctor`. */
  readonly description: string;
  /** Schema of `channels.<id>`, with `.meta({ env, secret })` on keys. */
  readonly config: Schema;
  /**
   * Top-level config key of the section when it is not `channels.<id>` (the web
   * chat's `web:` section also configures the HTTP server every channel shares).
   */
  readonly configKey?: string;
  /** Whether this config asks for the channel to run. */
  enabled(config: z.output<Schema>): boolean;
  /** Builds the adapter; loads the platform library lazily (a dynamic import). */
  create(ctx: ChannelContext<z.output<Schema>>): Promise<ChannelAdapter> | ChannelAdapter;
  /** A live credential/connectivity check, for `parley doctor`. */
  probe?(config: z.output<Schema>, ctx: ProbeContext): Promise<ProbeResult>;
  /** Interactive account linking (`parley channels login <id>`). */
  login?(ctx: LoginContext<z.output<Schema>>): Promise<void>;
}
