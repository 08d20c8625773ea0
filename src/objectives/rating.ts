/**
 * The pointwise rating objective, maximized during training:
 *
 *     L_rating = -Σ m·w_a·(s - r)² / Σ m          m = 1 where the label s is present, else 0
 *     ∂L/∂r    = 2·m·w_a·(s - r) / Σ m
 *
 * L_rating ≤ 0 and higher is better; it is 0 only when every labelled reward equals its rating.
 * Gradient *ascent* drives r toward s. Maximizing +MSE instead would push r away from s.
 *
 * @example
 *   pointwiseRatingLoss([5, 5], [4.5, 5.5]).value   // -0.25
 */
import { RewardfitError } from '../errors.ts'

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
