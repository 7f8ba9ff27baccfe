/**
 * Named leases in Postgres (`named_leases`): one node at a time holds a name, e.g.
 * `channel:telegram` for the node that long-polls Telegram, and a fence grows with
 * every new holder. Deadlines use the database clock. Also the node registry
 * (`nodes`): each node's heartbeat, for /readyz and the admin page. The only writer of
 * `named_leases` and `nodes`.
 *
 * @example
 * ```ts
 * const leases = new PostgresNamedLeases(pool)
 * const fence = await leases.acquire('channel:telegram', 'node-a', 10_000)  // undefined: held elsewhere
 * if (fence && !(await leases.renew('channel:telegram', 'node-a', fence, 10_000))) stopPolling()
 * ```
 */
import type pg from 'pg';
import type { ClusterNode, NamedLeases } from '../stores.js';
import { all, changes, one } from './db.js';

const until = (param: string) =>
  `clock_timestamp() + make_interval(secs => ${param}::double precision / 1000)`;

export class PostgresNamedLeases implements NamedLeases {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(name: string, nodeId: string, ms: number): Promise<number | undefined> {
    const row = await one<{ fence: number }>(
      this.pool,
      `INSERT INTO named_leases AS l (name, node_id, fence, expires_at) VALUES ($1, $2, 1, ${until('$3')})
       ON CONFLICT (name) DO UPDATE SET node_id = excluded.node_id, fence = l.fence + 1, expires_at = excluded.expires_at
         WHERE l.expires_at <= clock_timestamp()
       RETURNING fence`,
      [name, nodeId, ms],
    );
    return row?.fence;
  }

  /**
   * Extends the lease while this node and fence still hold it, even past its deadline:
   * a node that missed a renewal (a busy event loop, a slow database) keeps its
   * connection unless another node acquired the name meanwhile, which changed the
   * holder and the fence. Dropping and reopening a gateway connection loses what the
   * platform sent in between (a new Discord session gets no missed events).
   */
  async renew(name: string, nodeId: string, fence: number, ms: number): Promise<boolean> {
    const sql = `UPDATE named_leases SET expires_at = ${until('$4')}
      WHERE name = $1 AND node_id = $2 AND fence = $3`;
    return (await changes(this.pool, sql, [name, nodeId, fence, ms])) > 0;
  }

  async release(name: string, nodeId: string, fence: number): Promise<void> {
    await this.pool.query(
      'DELETE FROM named_leases WHERE name = $1 AND node_id = $2 AND fence = $3',
      [name, nodeId, fence],
    );
  }

  async heartbeat(nodeId: string, role: string, startedAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO nodes (node_id, role, started_at, seen_at) VALUES ($1, $2, to_timestamp($3::double precision / 1000), clock_timestamp())
       ON CONFLICT (node_id) DO UPDATE SET role = excluded.role, started_at = excluded.started_at, seen_at = excluded.seen_at`,
      [nodeId, role, startedAt],
    );
  }

  /** Nodes seen within `withinMs`, with the named leases and lanes each holds now. */
  async nodes(withinMs: number): Promise<ClusterNode[]> {
    const rows = await all<{
      node_id: string;
      role: string;
      seen_ms: number;
      leases: string[];
      lanes: number;
    }>(
      this.pool,
      `SELECT n.node_id, n.role,
          (EXTRACT(EPOCH FROM clock_timestamp() - n.seen_at) * 1000)::bigint AS seen_ms,
          COALESCE((SELECT array_agg(name ORDER BY name) FROM named_leases l
                     WHERE l.node_id = n.node_id AND l.expires_at > clock_timestamp()), '{}') AS leases,
          (SELECT COUNT(*) FROM lane_leases l WHERE l.node_id = n.node_id AND l.expires_at > clock_timestamp()) AS lanes
        FROM nodes n WHERE n.seen_at > clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY n.node_id`,
      [withinMs],
    );
    return rows.map((row) => ({
      nodeId: row.node_id,
      role: row.role,
      seenMsAgo: row.seen_ms,
      leases: row.leases,
      lanes: row.lanes,
    }));
  }
}
