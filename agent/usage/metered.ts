/**
 * `metered(model, meter)`: a {@link ChatModel} wrapped so every call is checked
 * against the budgets before it is sent and recorded in the usage ledger after it
 * answered (tokens, cached tokens, latency, cost, attribution). A call refused by a
 * budget throws {@link BudgetExceededError} without reaching the provider; a call
 * the provider failed records nothing (it reports no usage).
 *
 * Only `complete` is wrapped: every other member (`name`, `listModels`, whatever a
 * model adds) is the inner model's own, read live, so a model that switches or fails
 * over stays what it is.
 *
 * @example
 * ```ts
 * const model = metered(new OpenAIChatModel(config.llm), meter)
 * await model.complete({ messages, tools: [], attribution: { userId: 'telegram:42', channel: 'telegram' } })
 * ```
 */
import type { ChatModel, Completion, CompletionRequest } from '../llm.js';
import type { UsageMeter } from './meter.js';

export function metered<M extends ChatModel>(
  model: M,
  meter: UsageMeter,
  clock: () => number = Date.now,
): M {
  const complete = async (request: CompletionRequest): Promise<Completion> => {
    await meter.admit(request, model.name);
    const started = clock();
    const completion = await model.complete(request);
    await meter.record(request, completion, model.name, clock() - started);
    return completion;
  };
  return new Proxy(model, {
    get(target, property) {
      if (property === 'complete') return complete;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
