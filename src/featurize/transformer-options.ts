/**
 * Options of the transformer backbones: `{"type": "onnx", "path": DIR}` (a local model folder) and
 * `{"type": "hf", "model": "ORG/NAME"}` (a Hugging Face Hub id, downloaded once into the cache).
 * Spec options change the vectors and are saved in config.json; runtime options do not.
 *
 * @example
 *   resolveTransformerSpec({ type: 'hf', model: 'Xenova/all-MiniLM-L6-v2' })
 *   // { type: 'hf', model: 'Xenova/all-MiniLM-L6-v2', revision: 'main', architecture: 'auto', pooling: 'auto',
 *   //   layer: -1, maxLength: 512, template: 'auto', batchSize: 16, threads: 0, quantize: 'none', sortByLength: true }
 */
import { OptionError } from '../errors.ts'
import type { FeaturizerSpec } from './featurizer.ts'
import { POOLINGS, type Pooling } from './pooling.ts'

export interface TransformerOptions {
  /**
   * 'encoder' (BERT, XLM-R, MiniLM: x and y encoded as a text pair) or 'decoder' (Llama, Qwen: the chat
   * template, last real token). 'auto' reads config.json (architectures, model_type, is_decoder).
   */
  architecture?: 'auto' | 'encoder' | 'decoder'
  /** 'auto' = 'mean' for encoders, 'last' for decoders. See Pooling. */
  pooling?: 'auto' | Pooling
  /**
   * Hidden layer to pool, as HF's hidden_states index: 0 = embeddings, num_layers = the last layer;
   * negative counts from the end (-1 = last). Other than -1 needs `hidden_states.{i}` outputs in the ONNX file.
   */
  layer?: number
  /** Longest token sequence; longer rows lose their OLDEST tokens (the prompt, from the left) first. Range [4, ∞). */
  maxLength?: number
  /** Decoders: 'auto' uses the tokenizer's chat template when it has one, else "prompt\n\nresponse"; 'plain' always the latter. */
  template?: 'auto' | 'plain'
  /**
   * Rows per onnxruntime run, at most; a run also holds at most batchSize x 128 padded tokens (long rows
   * go fewer at a time). Does not change the vectors. Range [1, ∞).
   */
  batchSize?: number
  /** onnxruntime intra-op threads; 0 = every core. Does not change the vectors beyond float rounding. */
  threads?: number
  /**
   * 'int8': dynamic int8 MatMul weights (faster on CPU; cosine to fp32 >= 0.99, see README, Backbones).
   * Uses the folder's onnx/model_quantized.onnx (transformers.js' 'q8' file) when it ships one, else
   * quantizes onnx/model.onnx in memory (src/compute/onnx-quantize.ts). Changes the vectors: fingerprinted.
   * Activations get one scale per run, so int8 rows run one at a time (batchSize is ignored) to keep
   * every vector independent of its batch.
   */
  quantize?: 'none' | 'int8'
  /**
   * Sort each featurize call's rows by token length so each run pads only to its own longest row (length
   * bucketing), then put them back in order. Does not change the vectors (bit-identical, tested).
   */
  sortByLength?: boolean
}

export const TRANSFORMER_DEFAULTS = {
  architecture: 'auto',
  pooling: 'auto',
  layer: -1,
  maxLength: 512,
  template: 'auto',
  batchSize: 16,
  threads: 0,
  quantize: 'none',
  sortByLength: true,
} satisfies Required<TransformerOptions>

export type OnnxSpec = FeaturizerSpec & TransformerOptions & { type: 'onnx'; path: string }
export type HfSpec = FeaturizerSpec & TransformerOptions & { type: 'hf'; model: string; revision?: string }
export type TransformerSpec = OnnxSpec | HfSpec

export type ResolvedTransformerSpec =
  | (Required<TransformerOptions> & { type: 'onnx'; path: string })
  | (Required<TransformerOptions> & { type: 'hf'; model: string; revision: string })

/** Progress of loading and featurizing, for a CLI bar or log. */
export type TransformerProgress =
  | { phase: 'download'; file: string; loadedBytes: number; totalBytes?: number }
  /** Something the user should know that is not an error (e.g. a decoder with no chat template). */
  | { phase: 'warning'; message: string }
  /** After each featurize call: rows whose prompt (or response start) was cut to fit maxLength. */
  | { phase: 'truncated'; rows: number; batchRows: number; totalTruncatedRows: number }

/** Runtime options: where and how to load, never what the vectors are. */
export interface TransformerRuntimeOptions {
  /** Hub cache root (transformers.js FileCache layout: {cacheDir}/{ORG}/{NAME}/{file}); default transformers.js' env.cacheDir. */
  cacheDir?: string
  /** Never touch the network; an hf: model must already be in the cache. */
  offline?: boolean
  /** Hub endpoint (HF_ENDPOINT, read by the CLI); default https://huggingface.co. */
  endpoint?: string
  /** Hub token (HF_TOKEN, read by the CLI) for gated or private models. */
  token?: string
  onProgress?: (p: TransformerProgress) => void
  /**
   * Which side gets the pads, for graphs with a position_ids input (decoders); vectors are the same either way
   * up to float rounding (tested). Graphs without one (BERT numbers positions itself) are always right-padded.
   * Default 'right', whatever the tokenizer says: real tokens then keep their columns whatever the padding,
   * so a row's vector is bit-identical in any batch (left pads shift them and change the rounding, ~1e-6).
   */
  paddingSide?: 'left' | 'right'
}

export const HF_ENDPOINT_DEFAULT = 'https://huggingface.co'

/** Validates a spec once, at the entry point; fills defaults. */
export function resolveTransformerSpec(spec: TransformerSpec): ResolvedTransformerSpec {
  const o = { ...TRANSFORMER_DEFAULTS, ...stripUndefined(spec) } as Required<TransformerOptions> &
    Record<string, unknown>
  if (!['auto', 'encoder', 'decoder'].includes(o.architecture)) {
    throw new OptionError('architecture', o.architecture, "'auto', 'encoder' or 'decoder'")
  }
  if (o.pooling !== 'auto' && !(POOLINGS as readonly string[]).includes(o.pooling)) {
    throw new OptionError('pooling', o.pooling, `'auto' or one of ${POOLINGS.map((p) => `'${p}'`).join(', ')}`)
  }
  if (!Number.isInteger(o.layer))
    throw new OptionError('layer', o.layer, 'an integer (-1 = last layer, 0 = embeddings)')
  if (!Number.isInteger(o.maxLength) || o.maxLength < 4)
    throw new OptionError('maxLength', o.maxLength, 'an integer >= 4')
  if (o.template !== 'auto' && o.template !== 'plain')
    throw new OptionError('template', o.template, "'auto' or 'plain'")
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new OptionError('batchSize', o.batchSize, 'an integer >= 1')
  if (!Number.isInteger(o.threads) || o.threads < 0)
    throw new OptionError('threads', o.threads, 'an integer >= 0 (0 = all cores)')
  if (o.quantize !== 'none' && o.quantize !== 'int8') throw new OptionError('quantize', o.quantize, "'none' or 'int8'")
  if (typeof o.sortByLength !== 'boolean') throw new OptionError('sortByLength', o.sortByLength, 'true or false')
  const common: Required<TransformerOptions> = {
    architecture: o.architecture,
    pooling: o.pooling,
    layer: o.layer,
    maxLength: o.maxLength,
    template: o.template,
    batchSize: o.batchSize,
    threads: o.threads,
    quantize: o.quantize,
    sortByLength: o.sortByLength,
  }
  if (spec.type === 'onnx') {
    if (typeof spec.path !== 'string' || spec.path.length === 0) {
      throw new OptionError('path', spec.path, 'a model folder, e.g. {"type": "onnx", "path": "models/minilm"}')
    }
    return { type: 'onnx', path: spec.path, ...common }
  }
  if (spec.type === 'hf') {
    if (typeof spec.model !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(spec.model) || spec.model.includes('..')) {
      throw new OptionError('model', spec.model, 'a Hub id ORG/NAME, e.g. "Xenova/all-MiniLM-L6-v2"')
    }
    const revision = spec.revision ?? 'main'
    if (typeof revision !== 'string' || !/^[\w.-]+$/.test(revision) || revision.includes('..')) {
      throw new OptionError('revision', revision, 'a branch, tag or commit id such as "main"')
    }
    return { type: 'hf', model: spec.model, revision, ...common }
  }
  throw new OptionError('type', (spec as FeaturizerSpec).type, "'onnx' or 'hf'")
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
