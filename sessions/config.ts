/**
 * Config section `storage`: where Parley keeps its data. `sqlite` (the default) is one
 * file in `dataDir`, served by one process; `postgres` is a database that several
 * Parley nodes share (docs/scale-out.md), reached through `storage.url`.
 */
import { z } from 'zod';

export const storageSchema = z
  .object({
    driver: z
      .enum(['sqlite', 'postgres'])
      .default('sqlite')
      .meta({ env: 'PARLEY_STORAGE_DRIVER' })
      .describe(
        'sqlite: one file in dataDir, one serving process. postgres: a database several Parley nodes share.',
      ),
    url: z
      .string()
      .optional()
      .meta({ env: 'PARLEY_DATABASE_URL', secret: true })
      .describe(
        'Postgres connection URL (postgres://user:password@host:5432/db), for driver postgres.',
      ),
    poolSize: z
      .number()
      .int()
      .min(2)
      .default(10)
      .describe('Postgres connections this node keeps at most.'),
    leaseSeconds: z
      .number()
      .min(1)
      .default(5)
      .describe(
        'Postgres: how long a node holds a conversation or channel connection without renewing; a dead node’s work is taken over after this.',
      ),
    nodeId: z
      .string()
      .min(1)
      .optional()
      .meta({ env: 'PARLEY_NODE_ID' })
      .describe(
        'Postgres: this node’s name in leases, /readyz and the admin page (default: host name and process id).',
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.driver === 'postgres' && !value.url)
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'a Postgres URL for storage.driver postgres (set storage.url or PARLEY_DATABASE_URL, e.g. postgres://parley:secret@127.0.0.1:5432/parley)',
      });
  })
  .prefault({});

export type StorageConfig = z.output<typeof storageSchema>;
