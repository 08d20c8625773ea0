/**
 * Rating metrics for one attribute: how well rewards r predict ratings s. Rows whose target is
 * missing (null / NaN) are skipped. All in float64; rank metrics are O(n log n), so n = 100k is fine.
 *
 *     l_rating = −mse ≤ 0 (higher is better), mse = mean (s − r)², rmse = √mse, mae = mean |s − r|
 *     pearson, spearman (Pearson on average ranks), kendall (τ-b, ties in both, Knight's algorithm)
 *     pairwise_accuracy = over pairs i < j with s_i ≠ s_j, the share that r orders the same way;
 *                         a pair with r_i = r_j counts 0.5 (a constant predictor scores 0.5)
 *
 * Correlations are NaN when undefined (fewer than 2 rows, or either side constant), as in scipy;
 * pairwise_accuracy is NaN when no pair has different targets. JSON.stringify writes NaN as null.
 *
 * @example
 *   ratingMetrics([1, 2, 3, NaN], [1.5, 2, 2.5, 9])
 *   // { l_rating: -0.1667, mse: 0.1667, rmse: 0.408, mae: 0.333, pearson: 1, spearman: 1, kendall: 1,
 *   //   pairwise_accuracy: 1, n: 3 }
 */
import { isLabel } from '../objectives/rating.ts'

/** Keys are snake_case because this object is the CLI's --json output. */
export interface RatingMetrics {
  l_rating: number
  mse: number
  rmse: number
  mae: number
  pearson: number
  spearman: number
  kendall: number
  pairwise_accuracy: number
  n: number
}

export type RatingMetricName = Exclude<keyof RatingMetrics, 'n'>
/** Every metric of RatingMetrics but n, in report order. */
export const RATING_METRIC_NAMES: RatingMetricName[] = [
  'l_rating',
  'mse',
  'rmse',
  'mae',
  'pearson',
  'spearman',
  'kendall',
  'pairwise_accuracy',
]

export function ratingMetrics(targets: ArrayLike<number | null>, preds: ArrayLike<number>): RatingMetrics {
  if (targets.length !== preds.length) {
    throw new RangeError(`ratingMetrics: ${targets.length} targets but ${preds.length} predictions; they must match`)
  }
  const s: number[] = []
  const r: number[] = []
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]
    if (!isLabel(t)) continue
    if (!Number.isFinite(preds[i]))
      throw new RangeError(`ratingMetrics: prediction ${i} is ${preds[i]}; must be finite`)
    s.push(t)
    r.push(preds[i])
  }
  const n = s.length
  let se = 0
  let ae = 0
  for (let i = 0; i < n; i++) {
    const e = s[i] - r[i]
    se += e * e
    ae += Math.abs(e)
  }
  const mse = n > 0 ? se / n : Number.NaN
  const { kendall, pairwiseAccuracy } = kendallTauB(s, r)
  return {
    l_rating: -mse,
    mse,
    rmse: Math.sqrt(mse),
    mae: n > 0 ? ae / n : Number.NaN,
    pearson: pearson(s, r),
    spearman: pearson(averageRanks(s), averageRanks(r)),
    kendall,
    pairwise_accuracy: pairwiseAccuracy,
    n,
  }
}

/**
 * Metrics per attribute of row-major [n, k] targets and predictions, keyed by attribute name.
 * @example ratingMetricsByAttribute(y, p, ['helpfulness', 'safety']).safety.pearson
 */
export function ratingMetricsByAttribute(
  targets: ArrayLike<number | null>,
  preds: ArrayLike<number>,
  attributes: string[],
): Record<string, RatingMetrics> {
  const k = attributes.length
  if (targets.length !== preds.length || targets.length % k !== 0) {
    throw new RangeError(
      `ratingMetricsByAttribute: ${targets.length} targets, ${preds.length} predictions; expected n x ${k} each`,
    )
  }
  const n = targets.length / k
  const out: Record<string, RatingMetrics> = Object.create(null)
  attributes.forEach((name, a) => {
    const t = Array.from({ length: n }, (_, i) => targets[i * k + a])
    const p = Array.from({ length: n }, (_, i) => preds[i * k + a])
    out[name] = ratingMetrics(t, p)
  })
  return out
}

/** Pearson correlation, two-pass in float64; NaN if n < 2 or a side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length
  if (n < 2) return Number.NaN
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += x[i]
    my += y[i]
  }
  mx /= n
  my /= n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx
    const dy = y[i] - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  if (sxx === 0 || syy === 0) return Number.NaN
  // Clamp: rounding can push |r| a hair above 1 for perfectly correlated data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)))
}

/** 1-based ranks; tied values share the average of their ranks. */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b)
  const ranks = new Float64Array(n)
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && x[order[j + 1]] === x[order[i]]) j++
    const avg = (i + j) / 2 + 1
    for (let t = i; t <= j; t++) ranks[order[t]] = avg
    i = j + 1
  }
  return ranks
}

/**
 * Kendall's τ-b and pairwise accuracy in O(n log n) (Knight 1966): sort by (x, y), count pairs tied
 * in x (n1) and in both (n3), merge-sort y counting swaps (discordant pairs), count ties in y (n2).
 *   concordant − discordant = n0 − n1 − n2 + n3 − 2·swaps,   n0 = n(n−1)/2
 *   τ-b = (C − D) / √((n0 − n1)(n0 − n2))
 *   pairwise accuracy = (C + ½·(n2 − n3)) / (n0 − n1)       (x = targets, y = predictions)
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): { kendall: number; pairwiseAccuracy: number } {
  const n = x.length
  if (n < 2) return { kendall: Number.NaN, pairwiseAccuracy: Number.NaN }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b])
  const n0 = (n * (n - 1)) / 2
  const tiedPairs = (runs: (i: number) => boolean): number => {
    let total = 0
    let run = 1
    for (let i = 1; i < n; i++) {
      if (runs(i)) run++
      else {
        total += (run * (run - 1)) / 2
        run = 1
      }
    }
    return total + (run * (run - 1)) / 2
  }
  const n1 = tiedPairs((i) => x[order[i]] === x[order[i - 1]])
  const n3 = tiedPairs((i) => x[order[i]] === x[order[i - 1]] && y[order[i]] === y[order[i - 1]])
  const ys = Float64Array.from(order, (i) => y[i])
  const swaps = mergeSortCountingSwaps(ys)
  const n2 = tiedPairs((i) => ys[i] === ys[i - 1])
  const concMinusDisc = n0 - n1 - n2 + n3 - 2 * swaps
  const untied = n0 - n1 - n2 + n3
  const denom = Math.sqrt((n0 - n1) * (n0 - n2))
  const kendall = denom > 0 ? Math.max(-1, Math.min(1, concMinusDisc / denom)) : Number.NaN
  const concordant = (untied + concMinusDisc) / 2
  const pairwiseAccuracy = n0 - n1 > 0 ? (concordant + 0.5 * (n2 - n3)) / (n0 - n1) : Number.NaN
  return { kendall, pairwiseAccuracy }
}

/** Sorts `a` ascending in place (stable bottom-up merge sort); returns the number of strict inversions. */
function mergeSortCountingSwaps(a: Float64Array): number {
  const n = a.length
  let src: Float64Array = a
  let dst: Float64Array = new Float64Array(n)
  let swaps = 0
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width)
      const hi = Math.min(n, lo + 2 * width)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        // `<=` keeps equal values in order, so ties are not counted as swaps.
        if (src[i] <= src[j]) dst[k++] = src[i++]
        else {
          swaps += mid - i
          dst[k++] = src[j++]
        }
      }
      while (i < mid) dst[k++] = src[i++]
      while (j < hi) dst[k++] = src[j++]
    }
    const t = src
    src = dst
    dst = t
  }
  if (src !== a) a.set(src)
  return swaps
}
