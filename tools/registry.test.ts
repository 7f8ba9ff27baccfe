/**
 * The definitions the registry offers the model: per chat type (a group's stricter
 * policies hide tools), built once and rebuilt when a tool is added, disabled or
 * enabled, so a group message does not convert every schema to JSON Schema again.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Tool, ToolRegistry } from './registry.js';

const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  description: `the ${name} tool`,
  schema: z.object({ q: z.string() }),
  policy: 'auto',
  run: async () => ({ content: 'ok' }),
  ...extra,
});

const names = (registry: ToolRegistry, chatType?: 'dm' | 'group') =>
  registry.definitions(chatType).map((d) => d.function.name);

describe('ToolRegistry.definitions', () => {
  it('hides tools denied in groups, and builds each list once until a tool changes', () => {
    const registry = new ToolRegistry();
    registry.register(tool('search'));
    registry.register(tool('fetch', { groupPolicy: 'deny' }));
    expect(names(registry, 'dm')).toEqual(['search', 'fetch']);
    expect(names(registry, 'group')).toEqual(['search']);
    expect(registry.definitions('group')).toBe(registry.definitions('group'));
    expect(registry.definitions('group')[0]!.function.parameters).toMatchObject({
      type: 'object',
      required: ['q'],
    });
    registry.disable('search', 'maintenance');
    expect(names(registry, 'group')).toEqual([]);
    expect(names(registry)).toEqual(['fetch']);
    registry.enable('search');
    registry.register(tool('time'));
    expect(names(registry, 'group')).toEqual(['search', 'time']);
  });
});
