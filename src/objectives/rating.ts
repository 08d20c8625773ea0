/**
 * The pointwise rating objective, maximized during training:
 *
 *     L_rating = -Σ m·w_a·(s - r)² / Σ m          m = 1 where the label s is present, else 0
 *     ∂L/∂r    = 2·m·w_a·(s - r) / Σ m
 *
 * L_rating ≤ 0 and higher is better; it is 0 only when every labelled reward equals its rating.
 * Gradient *ascent* drives r toward s. Maximizing +MSE instead would push r away from s.
 *
 * As a training objective (ratingObjective) the head learns standardized targets, and its exact
 * fitter is ridge (src/fit/ridge.ts): the closed-form maximizer of L_rating − α‖W‖² for a linear head.
 *
 * @example
 *   pointwiseRatingLoss([5, 5], [4.5, 5.5]).value   // -0.25
 */
import { DType, node, tensorInfo } from '../compute/onnx-proto.ts'
import { destandardize, fitTargetStats, standardize } from '../core/target-stats.ts'
import type { TargetStats } from '../core/targets.ts'
import { RewardfitError } from '../errors.ts'
import type { Objective, ValidationAccumulator } from './objective.ts'

export interface RatingLossOptions {
  /** k: values per row; targets and rewards are row-major [n, k]. Default 1. */
  attributes?: number
  /** One weight per attribute, each ≥ 0. Default all 1. */
  weights?: ArrayLike<number>
}

export interface RatingLoss {
  /** L_rating, ≤ 0. */
  value: number
  /** ∂L_rating/∂r, one entry per reward; 0 where the label is missing. */
  grad: Float64Array
  /** Number of labelled entries, Σ m. */
  count: number
}

/** A label is missing when it is null, undefined or NaN. */
export const isLabel = (s: number | null | undefined): s is number => s !== null && s !== undefined && !Number.isNaN(s)

export function pointwiseRatingLoss(
  targets: ArrayLike<number | null>,
  rewards: ArrayLike<number>,
  options: RatingLossOptions = {},
): RatingLoss {
  const k = options.attributes ?? 1
  if (!Number.isInteger(k) || k < 1) throw new RewardfitError(`attributes must be a positive integer, got ${k}`)
  if (targets.length !== rewards.length) {
    throw new RewardfitError(`targets has ${targets.length} values but rewards has ${rewards.length}; they must match`)
  }
  if (targets.length % k !== 0) {
    throw new RewardfitError(`${targets.length} values do not split into rows of ${k} attributes`)
  }
  const w = options.weights ?? new Float64Array(k).fill(1)
  if (w.length !== k) throw new RewardfitError(`weights has ${w.length} entries; expected one per attribute (${k})`)
  for (let a = 0; a < k; a++) {
    if (!(w[a] >= 0) || !Number.isFinite(w[a])) {
      throw new RewardfitError(`weight of attribute ${a} is ${w[a]}; weights must be finite and >= 0`)
    }
  }
  let count = 0
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isFinite(rewards[i])) throw new RewardfitError(`reward ${i} is ${rewards[i]}; rewards must be finite`)
    if (isLabel(targets[i])) count++
  }
  if (count === 0) throw new RewardfitError('no valid labels: every target is missing (null or NaN)')

  const grad = new Float64Array(rewards.length)
  let sum = 0
  for (let i = 0; i < targets.length; i++) {
    const s = targets[i]
    if (!isLabel(s)) continue
    const wa = w[i % k]
    const e = s - rewards[i]
    sum += wa * e * e
    grad[i] = (2 * wa * e) / count
  }
  return { value: -sum / count, grad, count }
}

export interface RatingObjectiveOptions {
  /** One weight per attribute in L_rating, each ≥ 0; null = all 1. */
  weights?: number[] | null
}

/** The epoch record fields of the rating objective (the training log's keys; rating scale). */
export interface RatingRecord {
  /** Mean L_rating over the epoch's training batches (before each update), ≤ 0; NaN without ratings. */
  trainLRating: number
  /** Validation metrics; null without a validation split. */
  valLRating: number | null
  valMse: number | null
  valRmse: number | null
  valRmseByAttribute: number[] | null
}

/**
 * L_rating as a training objective: the head learns standardized targets z = (s - mean)/std (per
 * attribute, statistics of the training split), so ∂L/∂out is pointwiseRatingLoss's gradient on z;
 * values are reported on the rating scale. Its exact fitter is ridge (src/fit/ridge.ts).
 */
export function ratingObjective(options: RatingObjectiveOptions = {}): Objective {
  const weights = options.weights ?? null
  const w = (k: number) => weights ?? new Array<number>(k).fill(1)
  return {
    type: 'rating',
    spec: { type: 'rating', weights },
    rowsPerExample: 1,
    outputs: (source) => source.attributes,
    fitStats: (source) => fitTargetStats(source),
    labelled(y, i, stats) {
      const k = stats.length
      for (let j = i * k; j < i * k + k; j++) if (!Number.isNaN(y[j])) return true
      return false
    },
    batchLoss(y, out, stats) {
      const k = stats.length
      const z = standardize(y, stats)
      const { grad } = pointwiseRatingLoss(z, out, { attributes: k, weights: weights ?? undefined })
      const onScale = pointwiseRatingLoss(y, destandardize(out as Float32Array, stats), {
        attributes: k,
        weights: weights ?? undefined,
      })
      return { value: onScale.value, grad, count: onScale.count }
    },
    validation: (stats) => ratingValidation(stats, w(stats.length)),
    record: (train, val) => ({
      trainLRating: train,
      valLRating: val ? val.value : null,
      valMse: val ? (val.metrics.mse as number) : null,
      valRmse: val ? (val.metrics.rmse as number) : null,
      valRmseByAttribute: val ? (val.metrics.rmseByAttribute as number[]) : null,
    }),
    fused: {
      labels: (y, stats) => standardize(y, stats),
      inputs: (stats) => [
        {
          info: tensorInfo('lw2', DType.float, [stats.length]),
          data: Float32Array.from(w(stats.length), (v) => 2 * v),
        },
        {
          info: tensorInfo('lwStd2', DType.float, [stats.length]),
          data: Float32Array.from(w(stats.length), (v, a) => v * stats[a].std ** 2),
        },
      ],
      constants: [],
      // G = 2·w·m·(r - z)/Σm (the gradient of -L_rating), and Σ w·std²·m·(r - z)² for train L_rating.
      nodes(add, { out, labels, grad, sum, count }) {
        add(node('IsNaN', [labels], ['nan']))
        add(node('Not', ['nan'], ['keep']))
        add(node('Cast', ['keep'], ['mf'], { to: { int: DType.float } }))
        add(node('Where', ['nan', 'zero', labels], ['zc']))
        add(node('ReduceSum', ['mf'], [count], { keepdims: { int: 0 } }))
        add(node('Sub', [out, 'zc'], ['diff']))
        add(node('Mul', ['diff', 'mf'], ['dm']))
        add(node('Mul', ['dm', 'lw2'], ['gs']))
        add(node('Div', ['gs', count], [grad]))
        add(node('Mul', ['dm', 'dm'], ['sq']))
        add(node('Mul', ['sq', 'lwStd2'], ['sqw']))
        add(node('ReduceSum', ['sqw'], [sum], { keepdims: { int: 0 } }))
      },
      value: (sum, count) => -sum / count,
    },
  }
}

/**
 * Validation on the rating scale: outputs mapped back with the training statistics, compared with
 * the raw labels (NaN = missing, skipped). L_rating = -Σ_a w_a·SSE_a / Σ m; MSE, RMSE per attribute.
 */
function ratingValidation(stats: TargetStats[], weights: number[]): ValidationAccumulator {
  const k = stats.length
  const sq = new Float64Array(k)
  const n = new Float64Array(k)
  return {
    add(y, out) {
      const r = destandardize(out, stats)
      for (let i = 0; i < y.length; i++) {
        if (Number.isNaN(y[i])) continue
        const e = y[i] - r[i]
        sq[i % k] += e * e
        n[i % k]++
      }
    },
    result() {
      const total = n.reduce((a, b) => a + b, 0)
      let weighted = 0
      for (let a = 0; a < k; a++) weighted -= weights[a] * sq[a]
      const mseByAttribute = Array.from(sq, (s, a) => (n[a] > 0 ? s / n[a] : Number.NaN))
      const mse = total > 0 ? sq.reduce((a, b) => a + b, 0) / total : Number.NaN
      return {
        value: total > 0 ? weighted / total : Number.NaN,
        metrics: {
          mse,
          rmse: Math.sqrt(mse),
          mseByAttribute,
          rmseByAttribute: mseByAttribute.map(Math.sqrt),
          count: Array.from(n),
        },
      }
    },
  }
}
