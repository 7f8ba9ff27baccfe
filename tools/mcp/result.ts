/**
 * Turns an MCP `tools/call` result into the text the model reads: text parts joined,
 * other parts (images, audio, resources, links) named in one line each,
 * `structuredContent` as JSON when there is no text, cut at `maxChars` with a
 * marker. `isError: true` from the server becomes an error result for the model.
 */
import type { ToolResult } from '../registry.js';

/** The parts of a CallToolResult we read (the SDK's type, narrowed to what we use). */
export interface McpCallResult {
  content?: McpContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

type McpContent =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; mimeType: string; data: string }
  | { type: 'resource'; resource: { uri: string; text?: string; mimeType?: string } }
  | { type: 'resource_link'; uri: string; name: string }
  | { type: string };

export function mapCallResult(result: McpCallResult, maxChars: number): ToolResult {
  const parts = (result.content ?? []).map(describePart);
  let text = parts.join('\n');
  if (!text && result.structuredContent) text = JSON.stringify(result.structuredContent);
  if (!text) text = result.isError ? 'The tool failed without a message.' : '(no output)';
  const cut = text.length > maxChars;
  return {
    content: cut ? `${text.slice(0, maxChars)}\n[cut at ${maxChars} characters]` : text,
    ...(result.isError ? { isError: true } : {}),
    details: { parts: parts.length, chars: text.length, truncated: cut },
  };
}

function describePart(part: McpContent): string {
  if ('text' in part && part.type === 'text') return part.text;
  if ('data' in part)
    return `[${part.type} ${part.mimeType}, ${Math.floor((part.data.length * 3) / 4)} bytes]`;
  if ('resource' in part) return part.resource.text ?? `[resource ${part.resource.uri}]`;
  if ('uri' in part) return `[link ${part.name}: ${part.uri}]`;
  return `[${part.type} content]`;
}
