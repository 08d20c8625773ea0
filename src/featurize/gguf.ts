/**
 * The gguf backbone: features are the last token's hidden state of a local GGUF LLM (llama.cpp via
 * the optional node-llama-cpp package) for the rendered (x, y).
 *
 * Pooling: node-llama-cpp's embedding context reads llama.cpp's pooled embedding when the file
 * declares `{arch}.pooling_type` (mean/cls, as embedding models do), else — every decoder LLM —
 * the output row of the last token, i.e. the final hidden state after the model's output norm
 * (`llama_get_embeddings_ith(ctx, -1)`). The effective pooling is part of the fingerprint.
 * Each pair is evaluated alone in a freshly cleared sequence, so a vector never depends on the
 * batch it came in. With `parallel` > 1, several llama.cpp contexts take pairs from the batch at once:
 * node-llama-cpp's embedding context reads only the batch's last output row (llama_get_embeddings_ith
 * -1), so sequences of one context cannot share a decode; separate contexts can run side by side.
 *
 * @example
 *   const f = await createGgufFeaturizer({ type: 'gguf', path: 'qwen2.5-0.5b-instruct-q8_0.gguf' })
 *   f.dim                                               // 896
 *   await f.featurize([{ prompt: 'Hi', response: 'Hello!' }])  // Float32Array(896)
 *   await f.dispose()
 */

import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import type { Llama, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp'
import { RewardfitError } from '../errors.ts'
import type { Featurizer, FeaturizerSpec, TextPair } from './featurizer.ts'
import { stableStringify } from './fingerprint.ts'
import { sha256File } from './gguf-file-hash.ts'
import { type GgufOptions, type ResolvedGgufOptions, resolveGgufOptions } from './gguf-options.ts'
import { createRenderer } from './gguf-render.ts'

/** Bumped whenever this file changes how vectors are computed. */
export const GGUF_FEATURIZER_VERSION = 'gguf-1'
/** The node-llama-cpp version package.json pins (optionalDependencies). */
export const NODE_LLAMA_CPP_VERSION = '3.21.1'
const INSTALL_HINT = `npm install --save-exact node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`

export type NodeLlamaCpp = typeof import('node-llama-cpp')

export interface GgufProgress {
  stage: 'hash' | 'load'
  /** Fraction done in [0, 1]. */
  done: number
  total: 1
}

export interface GgufFeaturizerContext {
  /** Remembers the file's sha256 across runs (keyed by path, size, mtime). */
  cacheDir?: string
  /** Accepted for symmetry with other backbones; a local file needs no network. */
  offline?: boolean
  onProgress?: (p: GgufProgress) => void
  /** Test seam: how node-llama-cpp is imported. */
  importNodeLlamaCpp?: () => Promise<NodeLlamaCpp>
}

export type GgufSpec = FeaturizerSpec & GgufOptions & { type: 'gguf' }

/** Imports the optional dependency, or says how to install it. */
export async function loadNodeLlamaCpp(
  importer: () => Promise<NodeLlamaCpp> = () => import('node-llama-cpp'),
): Promise<NodeLlamaCpp> {
  try {
    return await importer()
  } catch (err) {
    throw new RewardfitError(
      `the gguf backbone needs the optional package node-llama-cpp, which could not be loaded ` +
        `(${(err as Error).message?.split('\n')[0]}); install it with: ${INSTALL_HINT}`,
      { cause: err },
    )
  }
}

// One native llama.cpp instance per device mode per process: getLlama loads the backend libraries
// (about a second) and llama.cpp keeps global backend state, so it is shared, never re-created.
const llamas = new Map<string, Promise<Llama>>()
function getSharedLlama(nlc: NodeLlamaCpp, gpu: ResolvedGgufOptions['gpu']): Promise<Llama> {
  let p = llamas.get(gpu)
  if (!p) {
    // build: 'never' — compiling llama.cpp from source at run time takes minutes and needs cmake.
    p = nlc.getLlama({ gpu: gpu === 'cpu' ? false : 'auto', build: 'never', logLevel: nlc.LlamaLogLevel.error })
    p.catch(() => llamas.delete(gpu))
    llamas.set(gpu, p)
  }
  return p
}

async function checkGgufFile(path: string): Promise<void> {
  const st = await stat(path).catch((err) => {
    throw new RewardfitError(`gguf model file not found: ${path}; pass the path of a local .gguf file`, { cause: err })
  })
  if (!st.isFile()) throw new RewardfitError(`gguf model path is not a file: ${path}`)
  const fh = await open(path)
  try {
    const magic = Buffer.alloc(4)
    await fh.read(magic, 0, 4, 0)
    if (magic.toString('latin1') !== 'GGUF') {
      throw new RewardfitError(
        `${path} is not a GGUF file (it starts with ${JSON.stringify(magic.toString('latin1'))}, not "GGUF"); ` +
          'convert the model with llama.cpp convert_hf_to_gguf.py or download a .gguf build',
      )
    }
  } finally {
    await fh.close()
  }
}

const POOLING_NAMES: Record<number, string> = { [-1]: 'last', 0: 'last', 1: 'mean', 2: 'cls', 3: 'last', 4: 'rank' }

function poolingOf(model: LlamaModel): string {
  const arch = model.fileInfo.metadata.general.architecture
  const archMeta = (model.fileInfo.metadata as unknown as Record<string, { pooling_type?: number } | undefined>)[arch]
  return POOLING_NAMES[archMeta?.pooling_type ?? 0] ?? `pooling-${archMeta?.pooling_type}`
}

export async function createGgufFeaturizer(
  spec: GgufSpec | (FeaturizerSpec & { path?: unknown }),
  context: GgufFeaturizerContext = {},
): Promise<Featurizer> {
  const { type: _type, ...rest } = spec
  const o = resolveGgufOptions(rest as unknown as GgufOptions)
  await checkGgufFile(o.path)
  const nlc = await loadNodeLlamaCpp(context.importNodeLlamaCpp)

  context.onProgress?.({ stage: 'hash', done: 0, total: 1 })
  const fileSha = await sha256File(o.path, { cacheDir: context.cacheDir })
  context.onProgress?.({ stage: 'hash', done: 1, total: 1 })

  const llama = await getSharedLlama(nlc, o.gpu).catch((err) => {
    throw new RewardfitError(
      `node-llama-cpp could not load its prebuilt llama.cpp binary on this machine (${process.platform}-${process.arch}): ` +
        `${(err as Error).message}; reinstall with ${INSTALL_HINT}, or build it with: npx --no node-llama-cpp source download`,
      { cause: err },
    )
  })
  const model = await llama
    .loadModel({
      modelPath: o.path,
      gpuLayers: o.gpu === 'cpu' ? 0 : 'auto',
      onLoadProgress: (p) => context.onProgress?.({ stage: 'load', done: p, total: 1 }),
    })
    .catch((err) => {
      throw new RewardfitError(`llama.cpp could not load ${o.path}: ${(err as Error).message}`, { cause: err })
    })

  const embedders: LlamaEmbeddingContext[] = []
  let maxTokens: number
  try {
    // Never ask for more context than the model was trained on: positions past it are garbage.
    maxTokens = Math.min(o.maxTokens, model.trainContextSize - 2)
    // Physical cores, not hyperthreads: ggml's threads spin-wait, so extra ones only contend.
    const threads = o.threads === 0 ? llama.cpuMathCores : o.threads
    const contexts = o.parallel !== 0 ? o.parallel : o.gpu === 'cpu' || !llama.gpu ? threads : 1
    for (let i = 0; i < contexts; i++) {
      embedders.push(
        await model.createEmbeddingContext({
          // +2: BOS may be prepended and EOS appended by node-llama-cpp, and the input must stay below contextSize.
          contextSize: maxTokens + 2,
          batchSize: maxTokens + 2,
          threads: Math.max(1, Math.floor(threads / contexts)),
        }),
      )
    }
  } catch (err) {
    for (const e of embedders) await e.dispose()
    await model.dispose()
    throw new RewardfitError(`could not create an embedding context for ${o.path}: ${(err as Error).message}`, {
      cause: err,
    })
  }
  const render = createRenderer(nlc, model, { template: o.template, maxTokens })
  const pooling = poolingOf(model)
  const dim = model.embeddingVectorSize
  const fingerprint = createHash('sha256')
    .update(
      stableStringify({
        code: GGUF_FEATURIZER_VERSION,
        nodeLlamaCpp: await nlc.getModuleVersion().catch(() => NODE_LLAMA_CPP_VERSION),
        file: fileSha,
        template: o.template,
        render: render.mode,
        maxTokens,
        pooling,
        // GPU kernels round differently from the CPU ones, so vectors cached on one are not reused on the other.
        device: model.gpuLayers > 0 ? String(llama.gpu) : 'cpu',
      }),
    )
    .digest('hex')
    .slice(0, 32)

  const specOut: GgufSpec = { type: 'gguf', path: o.path, template: o.template, maxTokens: o.maxTokens, gpu: o.gpu }
  if (o.threads !== 0) specOut.threads = o.threads
  if (o.parallel !== 0) specOut.parallel = o.parallel

  return {
    spec: specOut,
    dim,
    fingerprint,
    async featurize(batch: TextPair[]): Promise<Float32Array> {
      const out = new Float32Array(batch.length * dim) // [batch, dim]
      // Each context takes the next pair as soon as it is free; llama.cpp runs the contexts' decodes
      // on separate threads. A pair always runs alone in a cleared context, so its vector is the same.
      let next = 0
      const drain = async (embedder: LlamaEmbeddingContext) => {
        for (let i = next++; i < batch.length; i = next++) {
          const { vector } = await embedder.getEmbeddingFor(render(batch[i]))
          if (vector.length !== dim) {
            throw new RewardfitError(
              `${o.path}: expected a ${dim}-dim hidden state, llama.cpp returned ${vector.length}`,
            )
          }
          out.set(vector, i * dim)
        }
      }
      await Promise.all(embedders.map(drain))
      return out
    },
    async dispose() {
      for (const e of embedders) await e.dispose()
      await model.dispose()
    },
  }
}
