/**
 * Calibration: do predictions mean what they say? Rows are sorted by prediction and cut into bins of
 * (almost) equal count; each bin compares its mean prediction with its mean target. Equal-count bins
 * (sklearn's `strategy='quantile'`) keep every point of the curve backed by the same number of rows,
 * where equal-width bins leave the tails nearly empty. `error` is the count-weighted mean
 * |mean prediction − mean target| over bins (the regression analogue of expected calibration error).
 *
 * @example
 *   calibrationBins([1, 2, 3, 4], [1, 2, 2, 5], 2)
 *   // { bins: [{ lo: 1, hi: 2, n: 2, mean_prediction: 1.5, mean_target: 1.5 }, { lo: 3, hi: 4, n: 2, ... 3.5 }], error: 0 }
 */
import { finiteSorted, quantileSorted } from './bootstrap.ts'

export interface CalibrationBin {
  /** Smallest and largest prediction in the bin. */
  lo: number
  hi: number
  n: number
  mean_prediction: number
  mean_target: number
}

export interface Calibration {
  bins: CalibrationBin[]
  /** Σ n_b·|mean_prediction_b − mean_target_b| / Σ n_b. */
  error: number
}

/** Rows with a missing (NaN) target are skipped. At most `bins` bins; fewer when there are fewer rows. */
export function calibrationBins(predictions: ArrayLike<number>, targets: ArrayLike<number>, bins: number): Calibration {
  const rows: number[] = []
  for (let i = 0; i < predictions.length; i++)
    if (!Number.isNaN(targets[i]) && Number.isFinite(predictions[i])) rows.push(i)
  rows.sort((a, b) => predictions[a] - predictions[b] || a - b)
  const m = rows.length
  const nb = Math.min(bins, m)
  const out: CalibrationBin[] = []
  let err = 0
  for (let b = 0; b < nb; b++) {
    // Bin b holds sorted rows [⌊b·m/nb⌋, ⌊(b+1)·m/nb⌋): sizes differ by at most one.
    const start = Math.floor((b * m) / nb)
    const end = Math.floor(((b + 1) * m) / nb)
    let sp = 0
    let st = 0
    for (let j = start; j < end; j++) {
      sp += predictions[rows[j]]
      st += targets[rows[j]]
    }
    const n = end - start
    const bin = {
      lo: predictions[rows[start]],
      hi: predictions[rows[end - 1]],
      n,
      mean_prediction: sp / n,
      mean_target: st / n,
    }
    err += n * Math.abs(bin.mean_prediction - bin.mean_target)
    out.push(bin)
  }
  return { bins: out, error: m > 0 ? err / m : Number.NaN }
}

export interface Spread {
  n: number
  mean: number
  /** Population standard deviation (ddof = 0, numpy's default). */
  std: number
  min: number
  max: number
  /** Quantiles 5, 25, 50, 75, 95 % (numpy 'linear'). */
  q05: number
  q25: number
  q50: number
  q75: number
  q95: number
}

/** Summary of a set of values (e.g. all rewards): how spread out the model's outputs are. */
export function spread(values: ArrayLike<number>): Spread {
  const s = finiteSorted(values)
  const n = s.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += s[i]
  mean /= n
  let ss = 0
  for (let i = 0; i < n; i++) ss += (s[i] - mean) ** 2
  return {
    n,
    mean: n ? mean : Number.NaN,
    std: n ? Math.sqrt(ss / n) : Number.NaN,
    min: n ? s[0] : Number.NaN,
    max: n ? s[n - 1] : Number.NaN,
    q05: quantileSorted(s, 0.05),
    q25: quantileSorted(s, 0.25),
    q50: quantileSorted(s, 0.5),
    q75: quantileSorted(s, 0.75),
    q95: quantileSorted(s, 0.95),
  }
}

/** Share of finite predictions below `min` or above `max` of the rating scale. */
export function outOfScaleShare(predictions: ArrayLike<number>, scale: { min: number; max: number }): number {
  let out = 0
  let n = 0
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]
    if (!Number.isFinite(p)) continue
    n++
    if (p < scale.min || p > scale.max) out++
  }
  return n ? out / n : Number.NaN
}
