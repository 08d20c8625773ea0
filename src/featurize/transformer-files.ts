/**
 * The files of a transformer model folder: which ONNX file to run, which files define the vectors,
 * and their sha256 (for the fingerprint).
 *
 * @example
 *   const files = await findModelFiles('test/fixtures/models/tiny-bert')
 *   // { folder: '/…/tiny-bert', onnx: '/…/tiny-bert/onnx/model.onnx', hashed: [config.json, tokenizer.json, …] }
 *   await hashModelFiles(files)   // 64 hex chars
 */
import { createHash } from 'node:crypto'
import { access, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { RewardfitError } from '../errors.ts'
import { type FileHashOptions, sha256File } from './gguf-file-hash.ts'

/** ONNX locations tried in order: transformers.js Hub repos (onnx/), then optimum-cli exports (root). */
export const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'] as const
/** transformers.js' int8 graphs (its dtype 'q8'), used by `quantize: 'int8'` when a folder ships one. */
export const QUANTIZED_CANDIDATES = ['onnx/model_quantized.onnx', 'model_quantized.onnx'] as const
/** Files besides the ONNX graph that must exist. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const

export interface ModelFiles {
  folder: string
  /** Absolute path of the ONNX graph. */
  onnx: string
  /**
   * What the graph holds: 'fp32' (model.onnx as is), 'int8-shipped' (the folder's model_quantized.onnx),
   * 'int8-rewardfit' (model.onnx, to be quantized in memory by onnx-quantize.ts).
   */
  weights: 'fp32' | 'int8-shipped' | 'int8-rewardfit'
  /** Every file whose bytes change the vectors: the graph, its external data, config and tokenizer files. */
  hashed: string[]
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

/** Locates the graph and tokenizer files of a model folder, or says what is missing and how to get it. */
export async function findModelFiles(folderPath: string, quantize: 'none' | 'int8' = 'none'): Promise<ModelFiles> {
  const folder = resolve(folderPath)
  if (
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new RewardfitError(
      `model folder ${folder} does not exist; pass a folder holding config.json, tokenizer.json and onnx/model.onnx ` +
        '(e.g. from `huggingface-cli download ORG/NAME --local-dir DIR` or `optimum-cli export onnx --task feature-extraction`)',
    )
  }
  let onnx: string | undefined
  let weights: ModelFiles['weights'] = quantize === 'int8' ? 'int8-rewardfit' : 'fp32'
  for (const c of quantize === 'int8' ? QUANTIZED_CANDIDATES : []) {
    if (await exists(join(folder, c))) {
      onnx = join(folder, c)
      weights = 'int8-shipped'
      break
    }
  }
  for (const c of onnx ? [] : ONNX_CANDIDATES) {
    if (await exists(join(folder, c))) {
      onnx = join(folder, c)
      break
    }
  }
  const present = await Promise.all(REQUIRED_FILES.map((f) => exists(join(folder, f))))
  const absent = [...REQUIRED_FILES.filter((_, i) => !present[i]), ...(onnx ? [] : [ONNX_CANDIDATES.join(' or ')])]
  if (absent.length > 0) {
    throw new RewardfitError(
      `model folder ${folder} lacks ${absent.join(', ')}; a transformer backbone needs the ONNX graph ` +
        '(export one with `optimum-cli export onnx --task feature-extraction --model ORG/NAME DIR`) and the tokenizer files',
    )
  }
  const hashed = [onnx!, ...REQUIRED_FILES.map((f) => join(folder, f))]
  // External weights (models over 2 GB): model.onnx_data, model.onnx_data_1, …
  for (let i = 0; ; i++) {
    const data = `${onnx}_data${i === 0 ? '' : `_${i}`}`
    if (!(await exists(data))) break
    hashed.push(data)
  }
  return { folder, onnx: onnx!, weights, hashed }
}

/** One digest over the folder-relative names and contents of every file that shapes the vectors. */
export async function hashModelFiles(files: ModelFiles, options: FileHashOptions = {}): Promise<string> {
  // With a cacheDir, each file's sha256 is remembered by (path, size, mtime): a 2 GB graph is hashed once.
  const digests = await Promise.all(files.hashed.map((f) => sha256File(f, options)))
  const h = createHash('sha256')
  files.hashed.forEach((f, i) => {
    h.update(`${relative(files.folder, f)}\0${digests[i]}\n`)
  })
  return h.digest('hex')
}
