/**
 * Nonparametric bootstrap: resample rows with replacement, recompute a statistic on each resample,
 * and take the percentile interval of the resampled values. Index sets are drawn once from a seeded
 * Rng and shared by every metric and every model, so comparisons between models are *paired*.
 *
 * @example
 *   const sets = bootstrapResamples(100, 1000, 42)            // 1000 × Uint32Array(100)
 *   percentileInterval([1, 2, 3, 4, 5], 0.9)                   // [1.2, 4.8]  (numpy's 'linear')
 */
import { Rng } from '../compute/rng.ts'

/** `resamples` index sets of `n` rows each, drawn with replacement; the same seed gives the same sets. */
export function bootstrapResamples(n: number, resamples: number, seed: number): Uint32Array[] {
  const rng = new Rng(seed)
  const sets: Uint32Array[] = []
  for (let b = 0; b < resamples; b++) {
    const idx = new Uint32Array(n)
    for (let i = 0; i < n; i++) idx[i] = rng.int(n)
    sets.push(idx)
  }
  return sets
}

/**
 * The q-quantile (q in [0, 1]) of finite values by linear interpolation between order statistics,
 * numpy's default `np.percentile(x, 100q)` (Hyndman-Fan type 7). NaN values are ignored; NaN when none are left.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = finiteSorted(values)
  return quantileSorted(sorted, q)
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length
  if (m === 0) return Number.NaN
  const pos = q * (m - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, m - 1)
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo])
}

export function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = []
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i])
  return Float64Array.from(out).sort()
}

/**
 * The central `level` percentile interval, e.g. level 0.95 → [q 0.025, q 0.975]. Resamples whose
 * statistic is undefined (NaN, e.g. a correlation of a constant resample) are left out.
 */
export function percentileInterval(values: ArrayLike<number>, level: number): [number, number] {
  const sorted = finiteSorted(values)
  const alpha = (1 - level) / 2
  return [quantileSorted(sorted, alpha), quantileSorted(sorted, 1 - alpha)]
}
