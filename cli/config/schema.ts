/**
 * Parley's configuration schema, composed from the sections each layer owns:
 * `agent/config.ts` (llm, history, access), `bridge/config.ts` (queue),
 * `tools/config.ts`, `sandbox/config.ts`, the web chat's and terminal's sections,
 * and one `channels.<id>` section per channel module of `cli/channels.ts`. Only
 * `dataDir` and `logging` belong to the composition root itself.
 *
 * Env variables, secrets and example placeholders are `.meta()` on the keys
 * (core/config-meta.ts); `cli/config/fields.ts` reads them back.
 */
import { z } from 'zod';
import { accessSchema, historySchema, llmSchema } from '../../agent/config.js';
import { queueSchema } from '../../bridge/config.js';
import { terminalSchema } from '../../channels/terminal/config.js';
import { webSchema } from '../../channels/web/config.js';
import { sandboxSchema } from '../../sandbox/config.js';
import { storageSchema } from '../../sessions/config.js';
import { toolsSchema } from '../../tools/config.js';
import { mcpSchema } from '../../tools/mcp/config.js';
import { fetchUrlSchema } from '../../tools/web/config.js';
import { channelModules } from '../channels.js';

/** `channels:` holds the section of every module that has no top-level key of its own. */
const channelsSchema = z
  .object(
    Object.fromEntries(
      channelModules
        .filter((module) => module.configKey === undefined)
        .map((module) => [module.id, module.config.optional()]),
    ),
  )
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    dataDir: z
      .string()
      .default('./data')
      .meta({ env: 'PARLEY_DATA_DIR' })
      .describe('Folder for parley.db and conversation workspaces.'),
    storage: storageSchema,
    llm: llmSchema,
    history: historySchema,
    queue: queueSchema,
    access: accessSchema,
    tools: toolsSchema,
    web: webSchema,
    terminal: terminalSchema,
    logging: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .meta({ env: 'PARLEY_LOG_LEVEL' })
          .describe('pino log level.'),
      })
      .strict()
      .prefault({}),
    channels: channelsSchema,
    sandbox: sandboxSchema,
    mcp: mcpSchema,
    fetchUrl: fetchUrlSchema,
  })
  .strict();

export type ParleyConfig = z.infer<typeof configSchema>;
