/**
 * Config section `webSearch`: the optional web_search tool, asking a SearXNG (or
 * SearXNG-compatible) instance's JSON API. The instance must have the `json` format
 * enabled under `search.formats` in its settings.yml (otherwise it answers 403).
 */
import { z } from 'zod';

export const webSearchSchema = z
  .object({
    url: z
      .string()
      .url()
      .optional()
      .meta({ env: 'PARLEY_SEARCH_URL', example: 'http://127.0.0.1:8888' })
      .describe(
        'Base URL of a SearXNG-compatible instance (queried at <url>/search?format=json); web_search is offered when set.',
      ),
    apiKey: z
      .string()
      .optional()
      .meta({ env: 'PARLEY_SEARCH_API_KEY', secret: true })
      .describe(
        'Sent as "Authorization: Bearer <key>" when the instance sits behind a proxy that wants one.',
      ),
    policy: z
      .enum(['auto', 'ask', 'deny'])
      .default('auto')
      .describe('Policy of web_search (tools.policies can override it too).'),
    groupPolicy: z
      .enum(['auto', 'ask', 'deny'])
      .default('deny')
      .describe('Policy of web_search in group chats, when stricter than `policy`.'),
    maxResults: z.number().int().min(1).max(20).default(5).describe('Results handed to the model.'),
    language: z
      .string()
      .optional()
      .describe('Language code passed to the instance, e.g. en or de.'),
    timeoutMs: z.number().int().min(100).default(10_000).describe('Time one search may take.'),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(1_000_000)
      .describe('Response bytes read at most.'),
  })
  .strict()
  .prefault({});

export type WebSearchConfig = z.infer<typeof webSearchSchema>;
