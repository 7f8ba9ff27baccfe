/**
 * The sandbox's only way out: an HTTP proxy on the host, listening on the gateway of
 * an internal Docker network. Containers of tools that opted into a network
 * (`sandbox.networkTools`) join that network, which has no route anywhere, and get
 * `HTTP_PROXY`/`HTTPS_PROXY` pointing here.
 *
 *   container ──CONNECT host:443 / GET http://host/…──► EgressProxy
 *       host in sandbox.egress.allowHosts? ─► resolve ─► every address public
 *       (AddressPolicy: no loopback, private, link-local, metadata) ─► connect to the
 *       checked address (no second lookup, so no DNS rebinding) ─► pipe
 *
 * Everything else is answered 403 with the reason, which the model reads in the
 * command's output. `allowAddresses` lets an intranet (or a test's loopback server)
 * through, as for fetch_url.
 */
import { lookup } from 'node:dns/promises';
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { AddressPolicy } from '../web/address-policy.js';

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

export interface EgressOptions {
  /** Host names that may be reached: exact (`api.github.com`) or `*.example.com`. */
  allowHosts: readonly string[];
  /** Internal addresses (CIDRs) let through anyway: an intranet, a test server. */
  allowAddresses: readonly string[];
  /** Where to listen: the internal network's gateway address on the host. */
  host: string;
  log: Logger;
  resolve?: Resolve;
}

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** Allowed and checked: where to connect, or why not. */
type Verdict = { address: string; port: number } | { refused: string };

export class EgressProxy {
  private readonly server: Server;
  private readonly policy: AddressPolicy;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly options: EgressOptions) {
    this.policy = new AddressPolicy(options.allowAddresses);
    this.server = createServer((req, res) => {
      void this.forward(req, res);
    });
    this.server.on('connect', (req, socket: Duplex, head: Buffer) => {
      void this.tunnel(req, socket, head);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts listening; resolves with the proxy URL containers are given. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.options.host, () => resolve());
    });
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `http://${this.options.host}:${port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Whether `host:port` may be reached, and at which checked address. */
  async check(host: string, port: number): Promise<Verdict> {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return { refused: `invalid port ${port}` };
    if (!this.hostAllowed(name)) return { refused: `${name} is not in sandbox.egress.allowHosts` };
    const addresses = isIP(name)
      ? [{ address: name }]
      : await (this.options.resolve ?? systemResolve)(name).catch(() => []);
    if (addresses.length === 0) return { refused: `${name} does not resolve` };
    for (const { address } of addresses) {
      const refusal = this.policy.refusal(address);
      if (refusal) return { refused: `${name}: ${refusal}` };
    }
    return { address: addresses[0]!.address, port };
  }

  private hostAllowed(name: string): boolean {
    return this.options.allowHosts.some((pattern) => {
      const p = pattern.toLowerCase();
      return p.startsWith('*.') ? name.endsWith(p.slice(1)) && name !== p.slice(2) : name === p;
    });
  }

  /** `CONNECT host:port`: a TCP tunnel (HTTPS) to a checked address. */
  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    const { host, port } = splitAuthority(req.url ?? '', 443);
    const verdict = await this.check(host, port);
    if ('refused' in verdict) return this.refuseSocket(client, host, verdict.refused);
    const upstream = connect(verdict.port, verdict.address);
    upstream.on('error', () => client.destroy());
    upstream.once('connect', () => {
      this.options.log.debug({ host, port }, 'sandbox egress: tunnel opened');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.once('close', () => upstream.destroy());
  }

  /** An absolute-form request (`GET http://host/path`): forwarded to a checked address. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('parley egress: not a proxy request\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('parley egress: use CONNECT for https\n');
      return;
    }
    const port = Number(url.port || 80);
    const verdict = await this.check(url.hostname, port);
    if ('refused' in verdict) {
      this.options.log.info(
        { host: url.hostname, reason: verdict.refused },
        'sandbox egress refused',
      );
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`parley egress refused: ${verdict.refused}\n`);
      return;
    }
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      host: url.host,
    };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: verdict.address,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('parley egress: the server could not be reached\n');
    });
    req.pipe(upstream);
  }

  private refuseSocket(client: Duplex, host: string, reason: string): void {
    this.options.log.info({ host, reason }, 'sandbox egress refused');
    const body = `parley egress refused: ${reason}\n`;
    client.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}

/** `host:port` (or `[v6]:port`) of a CONNECT target. */
function splitAuthority(authority: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!match) return { host: authority, port: Number.NaN };
  return { host: match[1]!, port: match[2] ? Number(match[2]) : defaultPort };
}
