/**
 * Config section of the Docker sandbox that runs dangerous tools.
 */
import { z } from 'zod';

export const sandboxSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Offer sandboxed tools (shell, run_code, files) when Docker is reachable.'),
    image: z
      .string()
      .default('python:3.12-slim')
      .describe('Image every sandbox container starts from.'),
  })
  .passthrough()
  .default({ enabled: true, image: 'python:3.12-slim' });
