/**
 * A model's predictive uncertainty, stored beside the head: `config.uncertainty` (the spec) and
 * uncertainty.safetensors (its tensors). Optional: a folder without them (an older model, or a head
 * with no uncertainty) loads and scores as before, with no std.
 *
 * @example
 *   const u = uncertaintyFromParams(config.uncertainty, params, config.head.inputDim, dir)
 *   await u.attributeStd(x)   // [n, k] predictive std on the rating scale
 */
import type { Matrix } from '../compute/matrix.ts'
import type { TargetStats } from '../core/targets.ts'
import type { ParamSet } from '../core/tensor.ts'
import { ModelFolderError } from '../errors.ts'
import type { Head } from '../heads/head.ts'
import type { HeadSpec } from '../heads/registry.ts'
import { EnsembleUncertainty, type EnsembleUncertaintySpec, type UncertainPrediction } from './ensemble-uncertainty.ts'
import { groupTensor, RidgeUncertainty, type RidgeUncertaintySpec } from './ridge-uncertainty.ts'

export { mergedStd } from './merged-std.ts'
export type { UncertainPrediction }

export const UNCERTAINTY_FILE = 'uncertainty.safetensors'

export type UncertaintySpec = RidgeUncertaintySpec | EnsembleUncertaintySpec

export interface Uncertainty {
  readonly kind: UncertaintySpec['type']
  readonly spec: UncertaintySpec
  readonly params: ParamSet
  /**
   * Scores with their std. `weights`: the merge's, [k] or [n, k] row by row. `headScores` ([n, k],
   * rating scale) are the head's; a ridge keeps them,
   * an ensemble replaces them by its members' mean.
   */
  predict(x: Matrix, weights: ArrayLike<number>, headScores?: Float64Array): Promise<UncertainPrediction>
  /** [n, k] predictive std per attribute on the rating scale. */
  attributeStd(x: Matrix): Promise<Float64Array>
}

/** What an uncertainty is built on: the model's head (member 0 of an ensemble) and its statistics. */
export interface UncertaintyBase {
  head: Head
  targetStats: TargetStats[]
}

/** Checks the tensors against the spec and builds the scorer; errors name the file and the fix. */
export function uncertaintyFromParams(
  spec: UncertaintySpec,
  params: ParamSet,
  base: UncertaintyBase,
  folder = '.',
): Uncertainty {
  const dim = base.head.spec.inputDim
  const fail = (why: string): never => {
    throw new ModelFolderError(
      folder,
      `${UNCERTAINTY_FILE}: ${why}; re-train the model or remove "uncertainty" from config.json`,
    )
  }
  if (spec.type === 'ensemble') {
    const k = base.targetStats.length
    if (!(Number.isInteger(spec.members) && spec.members >= 1))
      fail(`members ${spec.members} is not a positive integer`)
    if (spec.memberStats.length !== spec.members - 1 || spec.sigma.length !== k) {
      fail(`an ensemble of ${spec.members} needs ${spec.members - 1} memberStats and ${k} sigma`)
    }
    if (spec.correlation.length !== k || spec.correlation.some((r) => r.length !== k))
      fail(`correlation must be ${k}x${k}`)
    try {
      return new EnsembleUncertainty(spec, params, base.head.spec as HeadSpec, base.head, base.targetStats)
    } catch (err) {
      return fail((err as Error).message)
    }
  }
  if (spec.type !== 'ridge') {
    fail(`unknown uncertainty type "${(spec as { type: unknown }).type}" (known: ridge, ensemble)`)
  }
  const k = spec.attributes.length
  if (spec.correlation.length !== k || spec.correlation.some((r) => r.length !== k)) {
    fail(`correlation must be ${k}x${k}`)
  }
  spec.groups.forEach((g, i) => {
    const dual = g.form === 'dual'
    if (g.form !== undefined && g.form !== 'eigen' && !dual) fail(`pattern ${i} has unknown form "${g.form}"`)
    if (!(Number.isInteger(g.width) && g.width >= 1)) fail(`pattern ${i} has width ${g.width}`)
    if (dual && !(Number.isInteger(g.bandwidth) && (g.bandwidth as number) >= 1))
      fail(`pattern ${i} (dual) has bandwidth ${g.bandwidth}; it must be an integer >= 1`)
    const want: [string, number[]][] = [
      [groupTensor(i, 'mean'), [dim]],
      [groupTensor(i, 'vectors'), [g.width, dim]],
      ...((dual
        ? [
            [groupTensor(i, 'band'), [g.width, (g.bandwidth as number) + 1]],
            [groupTensor(i, 'bandLow'), [g.width, (g.bandwidth as number) + 1]],
          ]
        : [[groupTensor(i, 'values'), [g.width]]]) as [string, number[]][]),
    ]
    for (const [name, shape] of want) {
      const t = params[name]
      if (!t) fail(`missing tensor "${name}"`)
      if (t.shape.length !== shape.length || t.shape.some((s, j) => s !== shape[j])) {
        fail(`tensor "${name}" has shape [${t.shape}] but needs [${shape}]`)
      }
      if (t.data.some((v) => !Number.isFinite(v))) fail(`tensor "${name}" has a non-finite value`)
    }
  })
  spec.attributes.forEach((a, i) => {
    if (!(a.group >= 0 && a.group < spec.groups.length))
      fail(`attribute ${i} names pattern ${a.group}, which is missing`)
    if (!(a.sigma >= 0) || !(a.alpha >= 0))
      fail(`attribute ${i} has sigma ${a.sigma}, alpha ${a.alpha}; both must be >= 0`)
  })
  return new RidgeUncertainty(spec, params, dim)
}
