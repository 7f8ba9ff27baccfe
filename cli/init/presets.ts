/**
 * The providers `parley init` offers: where each serves the OpenAI-compatible API,
 * whether it needs a key, and a model to suggest when it cannot list its own.
 */
export type PresetId = 'openai' | 'openrouter' | 'ollama' | 'lmstudio' | 'vllm' | 'custom';

export interface Preset {
  label: string;
  baseUrl: string;
  key: 'required' | 'optional' | 'none';
  model: string;
  /** Where to get a key, or what to start. */
  hint: string;
}

export const PRESETS: Record<PresetId, Preset> = {
  openai: {
    label: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    key: 'required',
    model: 'gpt-4o-mini',
    hint: 'Create a key at https://platform.openai.com/api-keys',
  },
  openrouter: {
    label: 'OpenRouter (many providers, one key)',
    baseUrl: 'https://openrouter.ai/api/v1',
    key: 'required',
    model: 'openai/gpt-4o-mini',
    hint: 'Create a key at https://openrouter.ai/keys',
  },
  ollama: {
    label: 'Ollama (local, no key)',
    baseUrl: 'http://127.0.0.1:11434/v1',
    key: 'none',
    model: 'llama3.2',
    hint: 'Start it with `ollama serve` and fetch a model with `ollama pull llama3.2`',
  },
  lmstudio: {
    label: 'LM Studio (local, no key)',
    baseUrl: 'http://127.0.0.1:1234/v1',
    key: 'none',
    model: '',
    hint: 'Load a model and start the server in LM Studio (Developer → Start Server)',
  },
  vllm: {
    label: 'vLLM',
    baseUrl: 'http://127.0.0.1:8000/v1',
    key: 'optional',
    model: '',
    hint: 'Start it with `vllm serve <model>` (a key only if you passed --api-key)',
  },
  custom: {
    label: 'Another OpenAI-compatible server (your URL)',
    baseUrl: '',
    key: 'optional',
    model: '',
    hint: 'The URL ends in /v1 on most servers',
  },
};

export const isPreset = (value: string): value is PresetId => value in PRESETS;
