/**
 * Merge types by the key written to config.json's "merge.type". A new merge is one file plus one
 * line here: its tensor shapes (checked when a folder loads) and how to build it.
 *
 * @example
 *   const m = createMerge(config, tensors)   // config.merge absent → the fixed merge
 */
import { ModelFolderError } from '../../errors.ts'
import type { ParamSet } from '../../heads/head.ts'
import { fixedMerge } from './fixed.ts'
import { gatingMerge, gatingShapes } from './gating.ts'
import { globalMergeShapes, learnedGlobalMerge } from './learned-global.ts'
import type { Merge, MergeSpec } from './merge.ts'

interface MergeEntry {
  shapes(spec: MergeSpec, k: number): Record<string, number[]>
  create(spec: MergeSpec, attributeWeights: readonly number[], tensors: ParamSet): Merge
}

export const merges = {
  fixed: { shapes: () => ({}), create: (_s, weights) => fixedMerge(weights) },
  'learned-global': { shapes: (_s, k) => globalMergeShapes(k), create: (_s, _w, t) => learnedGlobalMerge(t) },
  gating: {
    shapes: (s, k) => gatingShapes(k, Number(s.inputDim), Number(s.hidden)),
    create: (_s, _w, t) => gatingMerge(t),
  },
} satisfies Record<string, MergeEntry>

export type MergeType = keyof typeof merges
export const MERGE_TYPES = Object.keys(merges) as MergeType[]
/** Tensors of a merge are stored in head.safetensors under this prefix. */
export const MERGE_TENSOR_PREFIX = 'merge.'

/** The config.json field, as far as the merge needs it. */
export interface MergeConfigSource {
  attributes: string[]
  attributeWeights: number[]
  merge?: MergeSpec
}

function entry(spec: MergeSpec, folder: string): MergeEntry {
  const e = (merges as Record<string, MergeEntry>)[spec.type]
  if (!e) {
    throw new ModelFolderError(
      folder,
      `config.json: field "merge.type" is ${JSON.stringify(spec.type)}; known merges: ${MERGE_TYPES.join(', ')} (upgrade rewardfit or re-fit the merge)`,
    )
  }
  return e
}

/** The tensor shapes config.merge needs (none for the fixed merge or an older folder). */
export function mergeShapes(config: MergeConfigSource, folder = '.'): Record<string, number[]> {
  const spec = config.merge ?? { type: 'fixed' }
  return entry(spec, folder).shapes(spec, config.attributes.length)
}

/** Builds the merge config.json describes from the `merge.*` tensors (others are ignored). */
export function createMerge(config: MergeConfigSource, tensors: ParamSet, folder = '.'): Merge {
  const spec = config.merge ?? { type: 'fixed' }
  const own: ParamSet = {}
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith(MERGE_TENSOR_PREFIX)) own[name] = t
  return entry(spec, folder).create(spec, config.attributeWeights, own)
}

/** Splits a safetensors file's tensors into the head's and the merge's. */
export function splitMergeTensors(all: ParamSet): { head: ParamSet; merge: ParamSet } {
  const head: ParamSet = {}
  const merge: ParamSet = {}
  for (const [name, t] of Object.entries(all)) (name.startsWith(MERGE_TENSOR_PREFIX) ? merge : head)[name] = t
  return { head, merge }
}
