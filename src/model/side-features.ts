/**
 * Numeric side features (--features): columns such as MLQE-PE's model_scores or a response length,
 * standardized with statistics of the training split and appended to the backbone's vector. The
 * model stores the columns and statistics (config.json sideFeatures) and wraps its featurizer, so
 * every way of scoring appends them the same way, and a row without them is refused clearly.
 *
 * @example
 *   const f = withSideFeatures(backbone, { columns: ['model_scores'], mean: [0.4], std: [0.2] })
 *   await f.featurize([{ prompt: 'x', response: 'y', features: [0.6] }])   // [...backbone(x, y), 1]
 */
import { type SideFeatures, sideFeatureStats, standardizedRows, standardizeInto } from '../core/side-stats.ts'
import { RewardfitError } from '../errors.ts'
import type { Featurizer, TextPair } from '../featurize/featurizer.ts'

export type { SideFeatures }
export { sideFeatureStats, standardizedRows, standardizeInto }

/** Throws unless every row of `batch` carries the model's side features, as finite numbers in column order. */
export function checkSideFeatures(side: SideFeatures, batch: readonly TextPair[]): void {
  const m = side.columns.length
  batch.forEach((p, i) => {
    if (!p.features || p.features.length !== m || !Array.from(p.features).every(Number.isFinite)) {
      throw new RewardfitError(
        `row ${i + 1}: this model needs the numeric side features ${side.columns.join(', ')} for every row ` +
          `(it was trained with --features ${side.columns.join(',')}); ${p.features ? `got ${p.features.length} value(s) or a non-finite one` : 'the row has none'}. ` +
          'Give the file those columns (score, eval), "features": [numbers] in that order (library), or "features": {column: number} per item (server)',
      )
    }
  })
}

/** The side features a preference pair may carry (eval's PreferencePair has this shape). */
export interface PairSideFeatures {
  line: number
  chosenFeatures?: ArrayLike<number>
  rejectedFeatures?: ArrayLike<number>
}

/**
 * Throws, before any scoring, when the model has side features and a pair lacks them: pairs read from
 * a file carry none (only pairs derived from ratings do). `fix` says what to do instead.
 */
export function checkPairSideFeatures(
  side: SideFeatures | undefined,
  pairs: readonly PairSideFeatures[],
  fix: string,
): void {
  if (!side) return
  const p = pairs.find((q) => !q.chosenFeatures || !q.rejectedFeatures)
  if (!p) return
  throw new RewardfitError(
    `pair at line ${p.line}: this model needs the numeric side features ${side.columns.join(', ')} for both responses ` +
      `(it was trained with --features ${side.columns.join(',')}), and preference pairs read from a file carry none. ${fix}`,
  )
}

/** [n, d + m]: the backbone's vectors `x` ([n, d]) with each row's standardized side features appended. */
export function appendSideFeatures(
  side: SideFeatures,
  batch: readonly TextPair[],
  x: Float32Array,
  d: number,
): Float32Array {
  checkSideFeatures(side, batch)
  const dim = d + side.columns.length
  const out = new Float32Array(batch.length * dim)
  for (let i = 0; i < batch.length; i++) {
    out.set(x.subarray(i * d, (i + 1) * d), i * dim)
    standardizeInto(side, batch[i].features as ArrayLike<number>, out, i * dim + d)
  }
  return out
}

/** A featurizer with side features appended; `backbone` is the featurizer it wraps. */
export interface SideFeaturizer extends Featurizer {
  readonly backbone: Featurizer
}

/** The backbone under `f`: the featurizer withSideFeatures wrapped, or `f` itself. */
export function backboneOf(f: Featurizer): Featurizer {
  return 'backbone' in f ? (f as SideFeaturizer).backbone : f
}

export function withSideFeatures(base: Featurizer, side: SideFeatures): SideFeaturizer {
  return {
    backbone: base,
    spec: base.spec,
    dim: base.dim + side.columns.length,
    fingerprint: `${base.fingerprint}+side:${JSON.stringify(side)}`,
    async featurize(batch: TextPair[]): Promise<Float32Array> {
      checkSideFeatures(side, batch)
      return appendSideFeatures(side, batch, await base.featurize(batch), base.dim)
    },
    dispose: base.dispose?.bind(base),
  }
}
