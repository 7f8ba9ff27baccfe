/**
 * `get_time`: the harmless built-in tool that proves the model ↔ tool loop. Returns
 * the current date and time, optionally in an IANA time zone.
 */
import { z } from 'zod';
import { defineTool } from '../registry.js';

export const getTimeTool = defineTool({
  name: 'get_time',
  description:
    'Returns the current date and time. Optionally pass an IANA time zone such as "Europe/Paris".',
  policy: 'auto',
  schema: z.object({
    timeZone: z.string().optional().describe('IANA time zone, e.g. "America/New_York"'),
  }),
  async run({ timeZone }) {
    const now = new Date();
    try {
      const local = now.toLocaleString('en-US', {
        timeZone: timeZone ?? 'UTC',
        dateStyle: 'full',
        timeStyle: 'long',
      });
      return {
        content: JSON.stringify({ iso: now.toISOString(), local, timeZone: timeZone ?? 'UTC' }),
      };
    } catch {
      return {
        content: `Unknown time zone "${timeZone}". Use an IANA name such as "Europe/Paris".`,
        isError: true,
      };
    }
  },
});
