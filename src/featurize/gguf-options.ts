/**
 * Options of the gguf backbone (`{"featurizer": {"type": "gguf", "path": ...}}` in config.json).
 *
 * @example
 *   resolveGgufOptions({ path: 'models/qwen2.5-0.5b-instruct-q8_0.gguf' })
 *   // { path: '…', template: 'auto', maxTokens: 2048, gpu: 'auto', threads: 0, parallel: 0 }
 */
import { OptionError } from '../errors.ts'

export interface GgufOptions {
  /** Path of a local .gguf file (a decoder LLM: llama, qwen2, gemma, mistral, …). */
  path: string
  /**
   * 'auto' renders (x, y) with the model's chat template when the file has one
   * (`tokenizer.chat_template`), else as "prompt\n\nresponse"; 'plain' always uses the latter.
   */
  template?: 'auto' | 'plain'
  /** Longest token sequence fed to the model; longer inputs keep BOS and their LAST tokens. Range [8, ∞). */
  maxTokens?: number
  /** 'auto' offloads to a GPU when node-llama-cpp finds one (CUDA, Vulkan, Metal); 'cpu' never does. */
  gpu?: 'auto' | 'cpu'
  /** CPU threads; 0 means one per physical core (llama.cpp's own choice). Does not change the vectors. */
  threads?: number
  /**
   * Pairs evaluated at once, each in its own llama.cpp context (the threads are split between them, at
   * least one each). 0 = one context per thread on CPU (ggml's threads spin-wait between ops, so one
   * thread per context wastes least; README, Backbones), one context on a GPU (not measured here).
   * Does not change the vectors: each pair still runs alone in its context (bit-identical, tested).
   */
  parallel?: number
}

export const GGUF_DEFAULTS = {
  template: 'auto',
  maxTokens: 2048,
  gpu: 'auto',
  threads: 0,
  parallel: 0,
} satisfies Required<Omit<GgufOptions, 'path'>>

export type ResolvedGgufOptions = Required<GgufOptions>

/** Validates a gguf spec or options object once, at the entry point. */
export function resolveGgufOptions(o: GgufOptions): ResolvedGgufOptions {
  const r = { ...GGUF_DEFAULTS, ...stripUndefined(o) }
  if (typeof r.path !== 'string' || r.path.length === 0) {
    throw new OptionError('path', r.path, 'the path of a local .gguf file, e.g. {"type": "gguf", "path": "model.gguf"}')
  }
  if (r.template !== 'auto' && r.template !== 'plain')
    throw new OptionError('template', r.template, "'auto' or 'plain'")
  if (!Number.isInteger(r.maxTokens) || r.maxTokens < 8)
    throw new OptionError('maxTokens', r.maxTokens, 'an integer >= 8')
  if (r.gpu !== 'auto' && r.gpu !== 'cpu') throw new OptionError('gpu', r.gpu, "'auto' or 'cpu'")
  if (!Number.isInteger(r.threads) || r.threads < 0)
    throw new OptionError('threads', r.threads, 'an integer >= 0 (0 = one per physical core)')
  if (!Number.isInteger(r.parallel) || r.parallel < 0)
    throw new OptionError('parallel', r.parallel, 'an integer >= 0 (0 = one pair per thread)')
  return {
    path: r.path,
    template: r.template,
    maxTokens: r.maxTokens,
    gpu: r.gpu,
    threads: r.threads,
    parallel: r.parallel,
  }
}

// A spec read from config.json may carry `"maxTokens": undefined`-like gaps; they must not hide defaults.
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
