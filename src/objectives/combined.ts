/**
 * Ratings and preferences together, maximized during training:
 *
 *     L = λ_r·L_rating + λ_p·L_BT(r)        r(x, y) = Σ_a w_a·(mean_a + std_a·out_a)
 *
 * L_rating on the rated responses (rating.ts), L_BT on the pairs (bradley-terry.ts) through the
 * merged reward r on the rating scale, so a pair's r_c - r_r is in rating units. Both are ≤ 0; so
 * is L. ∂L_BT/∂out_a = w_a·std_a·∂L_BT/∂r. Ratings and pairs may come from different files and
 * prompts (mixedSource): a batch holds its rated rows first, then its pairs (chosen, rejected), and
 * every example has k + 2 labels: a rating row [s_1..s_k, NaN, NaN], a pair [NaN × k, p, m].
 *
 * @example
 *   const objective = combinedObjective({ attributeWeights: [0.5, 0.5], pairWeight: 1 })
 *   train({ train: mixedSource(ratings, pairs) }, { objective })
 */
import { destandardize, fitTargetStats } from '../core/target-stats.ts'
import type { TargetStats } from '../core/targets.ts'
import { RewardfitError } from '../errors.ts'
import { PAIR_LABEL_WIDTH, pairValidation, pairwiseLoss } from './bradley-terry.ts'
import type { Objective, ValidationResult } from './objective.ts'
import { ratingObjective } from './rating.ts'

export interface CombinedObjectiveOptions {
  /** w_a: how the attributes merge into the reward the pairs compare (the model's attribute weights). */
  attributeWeights: number[]
  /** λ_r ≥ 0 and λ_p ≥ 0, not both 0. */
  ratingWeight?: number
  pairWeight?: number
  /** Per-attribute weights inside L_rating; null = all 1. */
  lossWeights?: number[] | null
  /** η ≥ 0: reward centering on the pairs. */
  center?: number
}

/** The epoch record fields of the combined objective, besides the validation L_rating, RMSE, L_BT and accuracy. */
export interface CombinedRecord {
  /** λ_r·L_rating + λ_p·L_BT over the epoch's training batches, and on validation. */
  trainObjective: number
  valObjective: number | null
}

export function combinedObjective(options: CombinedObjectiveOptions): Objective {
  const w = options.attributeWeights
  const k = w.length
  const lr = options.ratingWeight ?? 1
  const lp = options.pairWeight ?? 1
  const eta = options.center ?? 0
  const lossWeights = options.lossWeights ?? null
  if (!(lr >= 0 && lp >= 0 && lr + lp > 0) || !Number.isFinite(lr + lp)) {
    throw new RewardfitError(`ratingWeight ${lr} and pairWeight ${lp} must be finite, >= 0 and not both 0`)
  }
  const W = k + PAIR_LABEL_WIDTH
  const rating = ratingObjective({ weights: lossWeights })
  /** Rows of a batch: a rated examples (1 row each) then b pairs (2 rows each). */
  const parts = (y: Float32Array, outLength: number) => {
    const examples = y.length / W
    const b = outLength / k - examples
    return { a: examples - b, b }
  }
  const ratingLabels = (y: Float32Array, a: number) => {
    const s = new Float32Array(a * k)
    for (let i = 0; i < a; i++) s.set(y.subarray(i * W, i * W + k), i * k)
    return s
  }
  const pairLabels = (y: Float32Array, a: number, b: number) => {
    const s = new Float32Array(b * PAIR_LABEL_WIDTH)
    for (let i = 0; i < b; i++) s.set(y.subarray((a + i) * W + k, (a + i + 1) * W), i * PAIR_LABEL_WIDTH)
    return s
  }
  /** The merged reward of every pair row, on the rating scale: [2b]. */
  const rewards = (out: Float32Array, a: number, b: number, stats: TargetStats[]) => {
    const scores = destandardize(out.subarray(a * k), stats)
    const r = new Float32Array(2 * b)
    for (let i = 0; i < 2 * b; i++) for (let j = 0; j < k; j++) r[i] += w[j] * scores[i * k + j]
    return r
  }
  return {
    type: 'combined',
    spec: { type: 'combined', attributeWeights: w, ratingWeight: lr, pairWeight: lp, lossWeights, center: eta },
    rowsPerExample: 1,
    outputs(source) {
      if (source.attributes !== W) {
        throw new RewardfitError(
          `a mixed source for ${k} attributes has ${W} labels per example; this one has ${source.attributes}`,
        )
      }
      return k
    },
    // Per attribute, from the rated examples only (pairs hold NaN there).
    fitStats: async (source) => (await fitTargetStats(source)).slice(0, k),
    labelled(y, i) {
      for (let j = i * W; j < i * W + W; j++) if (!Number.isNaN(y[j])) return true
      return false
    },
    batchLoss(y, out, stats) {
      const { a, b } = parts(y, out.length)
      const grad = new Float64Array(out.length)
      let value = 0
      let count = 0
      const s = ratingLabels(y, a)
      if (a > 0 && lr > 0 && s.some((v) => !Number.isNaN(v))) {
        const l = rating.batchLoss(s, out.subarray(0, a * k), stats)
        for (let i = 0; i < a * k; i++) grad[i] = lr * l.grad[i]
        value += lr * l.value
        count = l.count
      }
      if (b > 0 && lp > 0) {
        const pl = pairLabels(y, a, b)
        const r = rewards(out, a, b, stats)
        const rc = Array.from({ length: b }, (_, i) => r[2 * i])
        const rr = Array.from({ length: b }, (_, i) => r[2 * i + 1])
        const l = pairwiseLoss(rc, rr, {
          labels: Array.from({ length: b }, (_, i) => pl[2 * i]),
          margins: Array.from({ length: b }, (_, i) => pl[2 * i + 1]),
          center: eta,
        })
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < k; j++) {
            const dr = w[j] * stats[j].std // ∂r/∂out_j
            grad[(a + 2 * i) * k + j] += lp * l.gradChosen[i] * dr
            grad[(a + 2 * i + 1) * k + j] += lp * l.gradRejected[i] * dr
          }
        }
        value += lp * l.value
        count = Math.max(count, l.count)
      }
      return { value, grad, count: Math.max(count, 1) }
    },
    validation(stats) {
      const ratings = rating.validation(stats)
      const pairs = pairValidation(eta)
      let rated = 0
      let paired = 0
      return {
        add(y, out) {
          const { a, b } = parts(y, out.length)
          if (a > 0) {
            ratings.add(ratingLabels(y, a), out.subarray(0, a * k))
            rated += a
          }
          if (b > 0) {
            pairs.add(pairLabels(y, a, b), rewards(out, a, b, stats))
            paired += b
          }
        },
        result(): ValidationResult {
          const r = rated > 0 ? ratings.result() : null
          const p = paired > 0 ? pairs.result() : null
          const value = (r ? lr * r.value : 0) + (p ? lp * p.value : 0)
          return {
            value,
            metrics: {
              ...(r?.metrics ?? {}),
              ...(p ? { ...p.metrics, lBT: p.value } : {}),
              lRating: r?.value ?? Number.NaN,
            },
          }
        },
      }
    },
    record: (train, val) => ({
      trainObjective: train,
      valObjective: val ? val.value : null,
      valLRating: val && !Number.isNaN(val.metrics.lRating as number) ? (val.metrics.lRating as number) : null,
      valRmse: val && val.metrics.rmse !== undefined ? (val.metrics.rmse as number) : null,
      valLBT: val && val.metrics.lBT !== undefined ? (val.metrics.lBT as number) : null,
      valAccuracy: val && val.metrics.accuracy !== undefined ? (val.metrics.accuracy as number) : null,
    }),
    // Rows per example differ (1 per rating, 2 per pair): the plain path runs it.
    fused: null,
  }
}
