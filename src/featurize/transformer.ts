/**
 * Transformer backbones: `--backbone onnx:DIR` (a local model folder, fully offline) and
 * `--backbone hf:ORG/NAME` (a Hub id, downloaded once into the cache). Tokenizers and chat templates
 * come from @huggingface/transformers; the graph runs on onnxruntime-node, one session per featurizer.
 *
 * - Encoders (BERT, XLM-R, MiniLM): x and y as a text pair, pooled by mean (attention-mask weighted) or CLS.
 * - Decoders (Llama, Qwen): the chat template (or "prompt\n\nresponse"), hidden state of the last real token.
 * - A vector never depends on the batch: rows are sorted by length to cut padding, then put back.
 *
 * The model folder holds config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (or
 * model.onnx). The graph takes input_ids, attention_mask and, when the model has them, token_type_ids
 * or position_ids (plus empty past_key_values.* for exports with a KV cache), and outputs
 * last_hidden_state [batch, seq, hidden]. For `layer` other than -1 it must also output
 * `hidden_states.{i}` (HF's output_hidden_states index: 0 = embeddings), as
 * scripts/fixtures/make-tiny-models.py exports; only the one requested output is fetched.
 *
 * We run the session ourselves instead of through transformers.js' AutoModel so that only that one
 * output is copied back, position ids and empty caches are under our control, and no global `env`
 * setting is needed: nothing here mutates transformers.js' `env`.
 *
 * @example
 *   const f = await createTransformerFeaturizer({ type: 'onnx', path: 'test/fixtures/models/tiny-bert' })
 *   await f.featurize([{ prompt: 'What is 2+2?', response: '4' }])   // Float32Array(32)
 *   f.dim          // 32
 *   f.truncatedRows // 0
 */

import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { INT8_QUANTIZER_VERSION, quantizeMatMulsInt8 } from '../compute/onnx-quantize.ts'
import { OptionError, RewardfitError } from '../errors.ts'
import type { Featurizer, FeaturizerSpec, TextPair } from './featurizer.ts'
import { stableStringify } from './fingerprint.ts'
import { type Pooling, poolHidden } from './pooling.ts'
import { findModelFiles, hashModelFiles, type ModelFiles } from './transformer-files.ts'
import { fetchHubModel } from './transformer-hub.ts'
import {
  createDecoderRows,
  createEncoderRows,
  decoderMode,
  type RowTokenizer,
  type TokenRow,
} from './transformer-inputs.ts'
import {
  type ResolvedTransformerSpec,
  resolveTransformerSpec,
  type TransformerRuntimeOptions,
  type TransformerSpec,
} from './transformer-options.ts'

export * from './transformer-options.ts'

/** Bumped whenever this code could produce different vectors from the same files and options. */
export const TRANSFORMER_FEATURIZER_VERSION = 'transformer-1'

export interface TransformerFeaturizer extends Featurizer {
  readonly spec: FeaturizerSpec & ResolvedTransformerSpec
  /** The folder the model was loaded from (the cache folder for hf:). */
  readonly folder: string
  readonly architecture: 'encoder' | 'decoder'
  /** Decoders: 'chat-template' or 'plain'; encoders: 'pair'. */
  readonly render: 'pair' | 'chat-template' | 'plain'
  /** Which graph runs: model.onnx ('fp32'), the folder's model_quantized.onnx, or model.onnx quantized here. */
  readonly weights: ModelFiles['weights']
  /** Rows cut to fit maxLength so far, over every featurize call. */
  readonly truncatedRows: number
  /** Releases the onnxruntime session. */
  dispose(): Promise<void>
}

// Model types whose Hub configs describe decoder-only LMs (config.json "model_type").
const DECODER_TYPES =
  /^(llama\d*|mistral\d*|ministral\d*|mixtral|qwen\d*(_\d)?(_moe|_text)?|gemma\d*(_text)?|phi\d*|gpt2|gpt_neox|gptj|gpt_neo|gpt_bigcode|falcon|olmo\d*|smollm\d*|granite|stablelm|starcoder2|mpt|bloom|opt|codegen|cohere\d*|exaone|helium|glm\d*|internlm\d*|deepseek.*)$/

interface ModelConfig {
  model_type?: string
  architectures?: string[]
  is_decoder?: boolean
  hidden_size?: number
  d_model?: number
  n_embd?: number
  num_hidden_layers?: number
}

export async function createTransformerFeaturizer(
  spec: TransformerSpec,
  options: TransformerRuntimeOptions = {},
): Promise<TransformerFeaturizer> {
  const s = resolveTransformerSpec(spec)
  const folder =
    s.type === 'onnx'
      ? s.path
      : await fetchHubModel(s.model, {
          cacheDir: options.cacheDir ?? (await defaultCacheDir()),
          revision: s.revision,
          offline: options.offline,
          endpoint: options.endpoint,
          token: options.token,
          onProgress: options.onProgress,
        })
  const files = await findModelFiles(folder, s.quantize)
  const config = await readConfig(files)
  const tokenizer = await loadTokenizer(files)
  const session = await createSession(files, s.threads)
  try {
    return await buildFeaturizer(s, options, files, config, tokenizer, session)
  } catch (e) {
    await session.release()
    throw e
  }
}

/**
 * onnxruntime settings, measured with `npm run bench:backbone` (README, Backbones): graph optimization
 * 'all' (its fusions, e.g. MatMul + bias + Gelu, win over 'basic'/'extended'); sequential execution
 * (the parallel executor only added overhead on these chain-shaped graphs); the memory arena kept on.
 * With more than one thread, workers do not spin-wait between ops: on a shared machine spinning burns
 * the cores the other thread needs. None of these change the vectors, so none is fingerprinted.
 */
export function transformerSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  const n = threads || availableParallelism()
  return {
    intraOpNumThreads: n,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    extra: { session: { 'intra_op.allow_spinning': n > 1 ? '0' : '1' } },
  }
}

async function createSession(files: ModelFiles, threads: number): Promise<ort.InferenceSession> {
  const options = transformerSessionOptions(threads)
  if (files.weights === 'int8-rewardfit') {
    if (files.hashed.some((f) => /\.onnx_data(_\d+)?$/.test(f))) {
      throw new RewardfitError(
        `${files.onnx} keeps its weights in external data files (a model over 2 GB), which rewardfit cannot ` +
          'quantize; put an int8 graph beside it as onnx/model_quantized.onnx, or drop quantize',
      )
    }
    // The int8 graph goes to a temporary file, piece by piece, and onnxruntime loads it from there:
    // holding it in memory beside the fp32 bytes put peak RSS 1.5x torch's (bench:backbone).
    const dir = await mkdtemp(join(tmpdir(), 'rewardfit-int8-'))
    try {
      const path = join(dir, 'model_int8.onnx')
      try {
        const { parts } = quantizeMatMulsInt8(await readFile(files.onnx))
        const fh = await open(path, 'w')
        try {
          for (const p of parts) await fh.write(p)
        } finally {
          await fh.close()
        }
      } catch (e) {
        throw new RewardfitError(`cannot quantize ${files.onnx} to int8: ${(e as Error).message}; drop quantize`, {
          cause: e,
        })
      }
      return await ort.InferenceSession.create(path, options).catch((e: Error) => {
        throw new RewardfitError(`onnxruntime cannot load the int8 graph made from ${files.onnx}: ${e.message}`, {
          cause: e,
        })
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return ort.InferenceSession.create(files.onnx, options).catch((e: Error) => {
    throw new RewardfitError(`onnxruntime cannot load ${files.onnx}: ${e.message}; re-download or re-export it`, {
      cause: e,
    })
  })
}

async function readConfig(files: ModelFiles): Promise<ModelConfig> {
  const path = join(files.folder, 'config.json')
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ModelConfig
  } catch (e) {
    throw new RewardfitError(`${path} is not valid JSON (${(e as Error).message}); re-download the model`, { cause: e })
  }
}

async function defaultCacheDir(): Promise<string> {
  const { env } = await import('@huggingface/transformers')
  if (!env.cacheDir) throw new RewardfitError('no cache directory for Hub models; pass cacheDir')
  return env.cacheDir
}

async function loadTokenizer(files: ModelFiles): Promise<RowTokenizer> {
  const { AutoTokenizer } = await import('@huggingface/transformers')
  try {
    // A folder path with local_files_only never reaches the network.
    return (await AutoTokenizer.from_pretrained(files.folder, { local_files_only: true })) as unknown as RowTokenizer
  } catch (e) {
    throw new RewardfitError(`cannot load the tokenizer of ${files.folder}: ${(e as Error).message}`, { cause: e })
  }
}

function detectArchitecture(config: ModelConfig, inputNames: readonly string[]): 'encoder' | 'decoder' {
  if (config.is_decoder) return 'decoder'
  if (config.architectures?.some((a) => /ForCausalLM$|LMHeadModel$/.test(a))) return 'decoder'
  if (config.model_type && DECODER_TYPES.test(config.model_type)) return 'decoder'
  if (inputNames.some((n) => n.startsWith('past_key_values'))) return 'decoder'
  return 'encoder'
}

/** The output to pool: last_hidden_state for layer -1 (or num_layers), else hidden_states.{i}. */
function pickOutput(layer: number, outputNames: readonly string[], config: ModelConfig): string {
  const hiddenOutputs = outputNames.filter((n) => /^hidden_states\.\d+$/.test(n))
  const numLayers = hiddenOutputs.length > 0 ? hiddenOutputs.length - 1 : config.num_hidden_layers
  const index = layer < 0 && numLayers !== undefined ? numLayers + 1 + layer : layer
  if ((index === numLayers || layer === -1) && outputNames.includes('last_hidden_state')) return 'last_hidden_state'
  const name = `hidden_states.${index}`
  if (outputNames.includes(name)) return name
  if (layer === -1) {
    throw new RewardfitError(
      `the ONNX graph has no last_hidden_state output (outputs: ${outputNames.join(', ')}); export the base model, ` +
        'e.g. `optimum-cli export onnx --task feature-extraction`, not a ForCausalLM/logits graph',
    )
  }
  throw new OptionError(
    'layer',
    layer,
    hiddenOutputs.length > 0
      ? `a layer in [-${hiddenOutputs.length}, ${hiddenOutputs.length - 1}] (outputs ${hiddenOutputs[0]}…${hiddenOutputs.at(-1)})`
      : '-1: this ONNX graph exports only last_hidden_state; re-export it with hidden_states.{i} outputs to pick another layer',
  )
}

async function buildFeaturizer(
  s: ResolvedTransformerSpec,
  options: TransformerRuntimeOptions,
  files: ModelFiles,
  config: ModelConfig,
  tokenizer: RowTokenizer,
  session: ort.InferenceSession,
): Promise<TransformerFeaturizer> {
  const inputNames = session.inputNames
  const architecture = s.architecture === 'auto' ? detectArchitecture(config, inputNames) : s.architecture
  const pooling: Pooling = s.pooling === 'auto' ? (architecture === 'decoder' ? 'last' : 'mean') : s.pooling
  const outputName = pickOutput(s.layer, session.outputNames, config)
  const known =
    /^(input_ids|attention_mask|token_type_ids|position_ids|past_key_values\..+|use_cache_branch|num_logits_to_keep)$/
  const unknown = inputNames.filter((n) => !known.test(n))
  if (!inputNames.includes('input_ids') || unknown.length > 0) {
    throw new RewardfitError(
      `the ONNX graph in ${files.onnx} takes inputs ${inputNames.join(', ')}; a text backbone needs input_ids and ` +
        `attention_mask${unknown.length ? ` (unsupported: ${unknown.join(', ')})` : ''}`,
    )
  }
  const render = architecture === 'encoder' ? 'pair' : decoderMode(tokenizer, s.template)
  if (architecture === 'decoder' && render === 'plain' && s.template === 'auto') {
    options.onProgress?.({
      phase: 'warning',
      message: `${files.folder}: the tokenizer has no chat template; rendering pairs as "prompt\n\nresponse"`,
    })
  }
  const rows =
    architecture === 'encoder'
      ? createEncoderRows(tokenizer, s.maxLength)
      : createDecoderRows(tokenizer, s.maxLength, s.template)
  // A graph without position_ids numbers positions 0..seq-1 itself (BERT's absolute embeddings), so
  // left pads would shift every real token: such graphs are always padded on the right.
  const paddingSide = !inputNames.includes('position_ids') ? 'right' : (options.paddingSide ?? 'right')
  const padId = padTokenId(tokenizer)
  const dim = config.hidden_size ?? config.d_model ?? config.n_embd
  if (!dim) throw new RewardfitError(`${files.folder}/config.json has no hidden_size (or d_model / n_embd)`)

  const resolved = { ...s, architecture, pooling } as FeaturizerSpec & ResolvedTransformerSpec
  // batchSize, threads, sorting and the padding side change speed, not vectors: not fingerprinted.
  // quantize: 'none' is left out so that fp32 fingerprints stay those of earlier versions.
  const { batchSize: _b, threads: _t, sortByLength: _s, quantize, ...rest } = resolved
  const vectorOptions =
    quantize === 'none'
      ? rest
      : { ...rest, quantize, quantizer: files.weights === 'int8-rewardfit' ? INT8_QUANTIZER_VERSION : 'shipped' }
  const source = s.type === 'onnx' ? {} : { model: s.model, revision: s.revision }
  const fingerprint = `${TRANSFORMER_FEATURIZER_VERSION}:${await hashModelFiles(files, {
    cacheDir: options.cacheDir,
  }).then((filesHash) =>
    sha256Hex(stableStringify({ ...vectorOptions, path: undefined, ...source, render, output: outputName, filesHash })),
  )}`

  let truncatedRows = 0
  // int8 graphs quantize activations with one scale per tensor (DynamicQuantizeLinear), so a row's
  // vector would depend on its neighbours: each row runs alone. Measured: no slower than batches of 16.
  const runRows = files.weights === 'fp32' ? s.batchSize : 1
  // A run also holds at most batchSize x 128 padded tokens: long rows go fewer at a time, so activations
  // (attention alone is rows x heads x seq² floats) stay near those of a batch of 128-token rows. On
  // HANNA at 512 tokens, batches of 16 put peak RSS at 1.2x torch's; the GEMMs keep >= 2,048 rows.
  const tokenBudget = s.batchSize * 128
  const rowsPerRun = (order: number[], start: number, tokenRows: TokenRow[]): number => {
    let k = 1
    let longest = tokenRows[order[start]].ids.length
    while (k < runRows && start + k < order.length) {
      const next = Math.max(longest, tokenRows[order[start + k]].ids.length)
      if ((k + 1) * next > tokenBudget) break
      longest = next
      k++
    }
    return k
  }
  const run = createRunner(session, { inputNames, outputName, padId, paddingSide, pooling, dim })

  return {
    spec: resolved,
    dim,
    fingerprint,
    folder: files.folder,
    weights: files.weights,
    architecture,
    render,
    get truncatedRows() {
      return truncatedRows
    },
    async featurize(batch: TextPair[]): Promise<Float32Array> {
      const out = new Float32Array(batch.length * dim)
      const tokenRows = batch.map(rows)
      const cut = tokenRows.filter((r) => r.truncated).length
      // Length bucketing: sorted by length, each run pads to its own longest row; ties keep input order.
      const order = tokenRows.map((_, i) => i)
      if (s.sortByLength) order.sort((a, b) => tokenRows[a].ids.length - tokenRows[b].ids.length || a - b)
      for (let start = 0; start < order.length; ) {
        const idx = order.slice(start, start + rowsPerRun(order, start, tokenRows))
        start += idx.length
        const pooled = await run(idx.map((i) => tokenRows[i]))
        idx.forEach((i, k) => {
          out.set(pooled.subarray(k * dim, (k + 1) * dim), i * dim)
        })
      }
      if (cut > 0) {
        truncatedRows += cut
        options.onProgress?.({
          phase: 'truncated',
          rows: cut,
          batchRows: batch.length,
          totalTruncatedRows: truncatedRows,
        })
      }
      return out
    },
    async dispose() {
      await session.release()
    },
  }
}

function padTokenId(tok: RowTokenizer & { pad_token_id?: number; eos_token_id?: number }): number {
  // The pad id never reaches a real position (the mask hides it); 0 is a safe stand-in when there is none.
  return tok.pad_token_id ?? tok.eos_token_id ?? 0
}

async function sha256Hex(text: string): Promise<string> {
  const { createHash } = await import('node:crypto')
  return createHash('sha256').update(text).digest('hex')
}

interface RunnerConfig {
  inputNames: readonly string[]
  outputName: string
  padId: number
  paddingSide: 'left' | 'right'
  pooling: Pooling
  dim: number
}

/** Pads rows to a [batch, seq] block, runs the session for one output, pools it: [batch, dim]. */
function createRunner(session: ort.InferenceSession, c: RunnerConfig) {
  const meta = new Map((session.inputMetadata ?? []).map((m) => [m.name, m] as const))
  return async (rows: TokenRow[]): Promise<Float32Array> => {
    const b = rows.length
    const t = Math.max(...rows.map((r) => r.ids.length))
    const ids = new BigInt64Array(b * t).fill(BigInt(c.padId))
    const types = new BigInt64Array(b * t)
    const mask = new BigInt64Array(b * t)
    const maskNum = new Uint8Array(b * t)
    const pos = new BigInt64Array(b * t).fill(1n)
    rows.forEach((r, i) => {
      const off = i * t + (c.paddingSide === 'left' ? t - r.ids.length : 0)
      for (let j = 0; j < r.ids.length; j++) {
        ids[off + j] = BigInt(r.ids[j])
        types[off + j] = BigInt(r.typeIds[j] ?? 0)
        mask[off + j] = 1n
        maskNum[off + j] = 1
        // HF / transformers.js: position = cumsum(mask) - 1, so real tokens count from 0 on either side.
        pos[off + j] = BigInt(j)
      }
    })
    const dims = [b, t]
    const feeds: Record<string, ort.Tensor> = {}
    for (const name of c.inputNames) {
      if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, dims)
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, dims)
      else if (name === 'token_type_ids') feeds[name] = new ort.Tensor('int64', types, dims)
      else if (name === 'position_ids') feeds[name] = new ort.Tensor('int64', pos, dims)
      else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', [false], [1])
      else if (name === 'num_logits_to_keep') feeds[name] = new ort.Tensor('int64', [0n], [])
      else feeds[name] = emptyCache(meta.get(name), b)
    }
    const result = await session.run(feeds, [c.outputName])
    const hidden = result[c.outputName]
    const [ob, ot, oh] = hidden.dims
    if (ob !== b || ot !== t || oh !== c.dim) {
      throw new RewardfitError(
        `output ${c.outputName} has shape [${hidden.dims.join(', ')}], expected [${b}, ${t}, ${c.dim}]`,
      )
    }
    const data = hidden.data as Float32Array
    const pooled = poolHidden(data, maskNum, { batch: b, seq: t, hidden: c.dim }, c.pooling)
    hidden.dispose()
    return pooled
  }
}

/** A zero-length past_key_values.* input: [batch, kv_heads, 0, head_dim] from the graph's declared shape. */
function emptyCache(meta: ort.InferenceSession.ValueMetadata | undefined, batch: number): ort.Tensor {
  const shape = meta && 'shape' in meta ? (meta.shape as readonly (number | string)[]) : undefined
  if (!shape) throw new RewardfitError(`cannot build an empty cache for input ${meta?.name ?? '?'}: unknown shape`)
  const dims = shape.map((d) => (typeof d === 'number' && d >= 0 ? d : /batch/i.test(String(d)) ? batch : 0))
  const type = meta && 'type' in meta && meta.type === 'float16' ? 'float16' : 'float32'
  return new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims)
}
