/**
 * Are the predictive intervals honest? For central Gaussian intervals ŷ ± z_q·std at levels q:
 * the empirical coverage (share of labelled rows inside; equals q when calibrated), the mean
 * width 2·z_q·std, and Spearman(|y − ŷ|, std): does the model know when it is wrong (> 0)?
 *
 * @example
 *   intervalMetrics([3, 4], [3.2, 3.1], [0.5, 0.5])
 *   // { n: 2, levels: [{ level: 0.5, coverage: 0.5, width: 0.674 }, ...], spearman_error_std: NaN, mean_std: 0.5 }
 */
import { averageRanks, pearson } from './metrics.ts'

export const INTERVAL_LEVELS: readonly number[] = [0.5, 0.8, 0.9, 0.95]

export interface IntervalLevel {
  /** Nominal coverage q. */
  level: number
  /** Share of labelled rows with |y − ŷ| ≤ z_q·std. */
  coverage: number
  /** Mean interval width 2·z_q·std, rating units. */
  width: number
}

export interface IntervalMetrics {
  n: number
  levels: IntervalLevel[]
  mean_std: number
  /** Spearman correlation of |error| and std; NaN when either is constant. */
  spearman_error_std: number
}

/** Rows with a NaN target are skipped (missing labels). */
export function intervalMetrics(
  targets: ArrayLike<number>,
  preds: ArrayLike<number>,
  std: ArrayLike<number>,
  levels: readonly number[] = INTERVAL_LEVELS,
): IntervalMetrics {
  const err: number[] = []
  const s: number[] = []
  for (let i = 0; i < targets.length; i++) {
    if (Number.isNaN(targets[i])) continue
    err.push(Math.abs(targets[i] - preds[i]))
    s.push(std[i])
  }
  const n = err.length
  const meanStd = n ? s.reduce((a, b) => a + b, 0) / n : Number.NaN
  return {
    n,
    levels: levels.map((level) => {
      const z = normalQuantile(0.5 + level / 2)
      let inside = 0
      for (let i = 0; i < n; i++) if (err[i] <= z * s[i]) inside++
      return { level, coverage: n ? inside / n : Number.NaN, width: 2 * z * meanStd }
    }),
    mean_std: meanStd,
    spearman_error_std: pearson(averageRanks(err), averageRanks(s)),
  }
}

/**
 * Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error < 1.2e-9), ample for
 * interval levels.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY
    if (p === 1) return Number.POSITIVE_INFINITY
    return Number.NaN
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const lo = 0.02425
  let x: number
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p))
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  } else if (p <= 1 - lo) {
    const q = p - 0.5
    const r = q * q
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  }
  return x
}
