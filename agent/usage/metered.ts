/**
 * `metered(model, meter)`: a {@link ChatModel} wrapped so every call is checked
 * against the budgets before it is sent and recorded in the usage ledger after it
 * answered (tokens, cached tokens, latency, cost, attribution). A call refused by a
 * budget throws {@link BudgetExceededError} without reaching the provider; a call
 * the provider failed records nothing (it reports no usage).
 *
 * @example
 * ```ts
 * const model = metered(new OpenAIChatModel(config.llm), meter)
 * await model.complete({ messages, tools: [], attribution: { userId: 'telegram:42', channel: 'telegram' } })
 * ```
 */
import type { ChatModel, Completion, CompletionRequest } from '../llm.js';
import type { UsageMeter } from './meter.js';

export function metered(
  model: ChatModel,
  meter: UsageMeter,
  clock: () => number = Date.now,
): ChatModel {
  const wrapped: ChatModel = {
    get name() {
      return model.name;
    },
    async complete(request: CompletionRequest): Promise<Completion> {
      await meter.admit(request, model.name);
      const started = clock();
      const completion = await model.complete(request);
      await meter.record(request, completion, model.name, clock() - started);
      return completion;
    },
  };
  if (model.listModels) wrapped.listModels = () => model.listModels!();
  return wrapped;
}
