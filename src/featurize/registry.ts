/**
 * The featurizer registry: backbone strings from the CLI -> specs, specs (as written to config.json)
 * -> featurizers. Only `hashing` is imported eagerly; the transformer and gguf backbones are loaded
 * on first use, so their native dependencies stay out of the hashing path.
 *
 * @example
 *   parseBackbone('hashing')                  // { type: 'hashing' }
 *   parseBackbone('hf:BAAI/bge-small-en-v1.5') // { type: 'hf', model: 'BAAI/bge-small-en-v1.5' }
 *   const f = await createFeaturizer(parseBackbone('onnx:./models/minilm'), { offline: true })
 */
import { OptionError, RewardfitError } from '../errors.ts'
import type { Featurizer, FeaturizerSpec } from './featurizer.ts'
import { createHashingFeaturizer } from './hashing.ts'

export interface CreateFeaturizerOptions {
  /** Where downloaded models and file hashes are kept (hf:, gguf:). */
  cacheDir?: string
  /** Never touch the network; an hf: model must already be cached. */
  offline?: boolean
  /** Hub endpoint for hf: models (a mirror, from HF_ENDPOINT at the CLI). */
  endpoint?: string
  /** Hub token for private or gated hf: models (HF_TOKEN at the CLI). */
  token?: string
  /** Download / load progress; the payload is backbone-specific (see transformer.ts, gguf.ts). */
  onProgress?: (progress: unknown) => void
}

type Factory = (spec: FeaturizerSpec, options: CreateFeaturizerOptions) => Promise<Featurizer>

// A literal import() keeps tsc's .ts -> .js rewrite working in dist/, and is only evaluated when
// that backbone is asked for.
const loadTransformer: Factory = async (spec, options) => {
  const m = await importBackbone('onnx/hf', () => import('./transformer.ts'))
  return m.createTransformerFeaturizer(spec as Parameters<typeof m.createTransformerFeaturizer>[0], options)
}

/** Registry keys are the `type` strings written to config.json. */
export const featurizers = {
  hashing: async (spec) => createHashingFeaturizer(spec),
  onnx: loadTransformer,
  hf: loadTransformer,
  gguf: async (spec, options) => {
    const m = await importBackbone('gguf', () => import('./gguf.ts'))
    return m.createGgufFeaturizer(spec, options)
  },
} satisfies Record<string, Factory>

export type FeaturizerType = keyof typeof featurizers
export const FEATURIZER_TYPES = Object.keys(featurizers) as FeaturizerType[]

const BACKBONE_FORMS = "'hashing', 'onnx:PATH', 'hf:ORG/NAME' or 'gguf:PATH'"

async function importBackbone<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (e) {
    throw new RewardfitError(
      `the ${name} backbone could not be loaded (${(e as Error).message}); reinstall rewardfit, or use --backbone hashing`,
      { cause: e },
    )
  }
}

/** A --backbone string -> spec. Options beyond the path or model come from the caller. */
export function parseBackbone(backbone: string): FeaturizerSpec {
  const s = backbone.trim()
  if (s === 'hashing') return { type: 'hashing' }
  const colon = s.indexOf(':')
  const prefix = colon > 0 ? s.slice(0, colon) : ''
  const rest = s.slice(colon + 1)
  if (prefix === 'onnx' || prefix === 'gguf') {
    if (!rest) throw new OptionError('backbone', backbone, `a path after '${prefix}:', as in ${BACKBONE_FORMS}`)
    return { type: prefix, path: rest }
  }
  if (prefix === 'hf') {
    if (!/^[\w.-]+\/[\w.-]+$/.test(rest))
      throw new OptionError('backbone', backbone, "'hf:ORG/NAME', e.g. 'hf:BAAI/bge-small-en-v1.5'")
    return { type: 'hf', model: rest }
  }
  throw new OptionError('backbone', backbone, BACKBONE_FORMS)
}

/** The featurizer a spec describes (from parseBackbone or a model's config.json). */
export async function createFeaturizer(
  spec: FeaturizerSpec,
  options: CreateFeaturizerOptions = {},
): Promise<Featurizer> {
  const type = spec?.type
  if (typeof type !== 'string' || !Object.hasOwn(featurizers, type)) {
    throw new OptionError('featurizer.type', type, `one of ${FEATURIZER_TYPES.map((t) => `'${t}'`).join(', ')}`)
  }
  return featurizers[type as FeaturizerType](spec, options)
}
