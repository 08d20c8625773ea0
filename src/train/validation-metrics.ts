/**
 * Validation metrics on the rating scale: the head's standardized outputs are mapped back with the
 * training targetStats, then compared with the raw labels (NaN = missing, skipped).
 *
 *     L_rating = -Σ m·w_a·(s - r)² / Σ m,   MSE = Σ m·(s - r)² / Σ m,   RMSE = √MSE (also per attribute)
 *
 * @example
 *   const m = await validationMetrics(head, valSource, targetStats)
 *   m.lRating   // -0.41 (= -m.mse when every weight is 1)
 */

import type { BatchSource } from '../core/batch-source.ts'
import type { TargetStats } from '../core/targets.ts'
import type { Head } from '../heads/head.ts'
import { destandardize } from './target-stats.ts'

export interface ValidationMetrics {
  lRating: number
  mse: number
  rmse: number
  mseByAttribute: number[]
  rmseByAttribute: number[]
  /** Labelled entries per attribute. */
  count: number[]
}

export async function validationMetrics(
  head: Head,
  source: BatchSource,
  stats: TargetStats[],
  weights?: ArrayLike<number>,
  chunkRows = 8192,
): Promise<ValidationMetrics> {
  const k = source.attributes
  const sq = new Float64Array(k)
  const n = new Float64Array(k)
  for await (const { x, y } of source.chunks(chunkRows)) {
    const r = destandardize((await head.predict(x)).data, stats)
    for (let i = 0; i < y.length; i++) {
      if (Number.isNaN(y[i])) continue
      const e = y[i] - r[i]
      sq[i % k] += e * e
      n[i % k]++
    }
  }
  const total = n.reduce((a, b) => a + b, 0)
  // L_rating as pointwiseRatingLoss defines it, from the per-attribute sums: -Σ_a w_a·SSE_a / Σ m.
  let weighted = 0
  for (let a = 0; a < k; a++) weighted -= (weights ? weights[a] : 1) * sq[a]
  const mseByAttribute = Array.from(sq, (s, a) => (n[a] > 0 ? s / n[a] : Number.NaN))
  const mse = total > 0 ? sq.reduce((a, b) => a + b, 0) / total : Number.NaN
  return {
    lRating: total > 0 ? weighted / total : Number.NaN,
    mse,
    rmse: Math.sqrt(mse),
    mseByAttribute,
    rmseByAttribute: mseByAttribute.map(Math.sqrt),
    count: Array.from(n),
  }
}
