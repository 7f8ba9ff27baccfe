/**
 * The name under which an MCP tool is offered to the model: `<server>__<tool>`,
 * made to fit the function-name rule of the Chat Completions API
 * (`^[a-zA-Z0-9_-]{1,64}$`). A tool name with other characters (`files.read`) or one
 * too long is cleaned, cut and given a short hash of the original, so the name stays
 * unique (`a.b` and `a_b` differ) and stable across restarts.
 */
import { createHash } from 'node:crypto';

const MAX = 64;

export function exposedName(server: string, tool: string): string {
  const plain = `${server}__${tool}`;
  if (/^[a-zA-Z0-9_-]{1,64}$/.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const cleaned = plain.replace(/[^a-zA-Z0-9_-]/g, '_');
  return `${cleaned.slice(0, MAX - hash.length - 1)}_${hash}`;
}
