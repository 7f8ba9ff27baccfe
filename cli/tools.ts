/**
 * Which tools the agent gets. Built-ins are harmless; dangerous tools (shell, code,
 * files) come from the sandbox and run only in Docker workers.
 */
import { getTimeTool } from '../tools/builtin/get-time.js';
import type { AppContext } from './context.js';

export async function registerTools(context: AppContext): Promise<void> {
  context.tools.register(getTimeTool);
}
