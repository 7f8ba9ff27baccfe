/**
 * Config section `fetchUrl`: the fetch_url tool's caps, content types, group policy
 * and SSRF allowlist (CIDRs that may be fetched although internal, e.g. an intranet).
 */
import { z } from 'zod';

export const fetchUrlSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Offer the fetch_url tool.'),
    groupPolicy: z
      .enum(['auto', 'ask', 'deny'])
      .default('deny')
      .describe('Policy of fetch_url in group chats (its policy elsewhere is auto).'),
    allowAddresses: z
      .array(z.string())
      .default([])
      .describe('IP addresses or CIDRs allowed although internal, e.g. [10.20.0.0/16].'),
    maxBytes: z.number().int().min(1024).default(2_000_000).describe('Body bytes read at most.'),
    timeoutMs: z.number().int().min(100).default(15_000).describe('Time one fetch may take.'),
    maxRedirects: z.number().int().min(0).max(20).default(5).describe('Redirects followed.'),
    maxChars: z.number().int().min(100).default(20_000).describe('Text returned at most.'),
    contentTypes: z
      .array(z.string())
      .default([
        'text/html',
        'application/xhtml+xml',
        'text/plain',
        'text/markdown',
        'application/json',
      ])
      .describe('Content types read; others are refused.'),
  })
  .strict()
  .prefault({});

export type FetchUrlConfig = z.infer<typeof fetchUrlSchema>;
