/**
 * Per-attribute standardization of the targets, fitted on the training split only, so heads learn
 * unit-scale outputs and predictions map back with score = mean + std·out.
 *
 * @example
 *   const stats = await fitTargetStats(trainSource)   // [{ mean: 3.2, std: 1.1 }, ...]
 *   const z = standardize(batch.y, stats)              // NaN stays NaN (missing label)
 */

import type { BatchSource } from './batch-source.ts'
import type { TargetStats } from './targets.ts'

/** Mean and population std (ddof 0, as sklearn's StandardScaler) ignoring NaN; std 0 or no labels → 1. */
export async function fitTargetStats(source: BatchSource, chunkRows = 8192): Promise<TargetStats[]> {
  const k = source.attributes
  // Welford's update per label: stable even when the mean is large against the spread.
  const n = new Float64Array(k)
  const mean = new Float64Array(k)
  const m2 = new Float64Array(k)
  for await (const { y } of source.chunks(chunkRows)) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i]
      if (Number.isNaN(v)) continue
      const a = i % k
      n[a]++
      const d = v - mean[a]
      mean[a] += d / n[a]
      m2[a] += d * (v - mean[a])
    }
  }
  return Array.from({ length: k }, (_, a) => {
    const std = n[a] > 0 ? Math.sqrt(m2[a] / n[a]) : 0
    return { mean: n[a] > 0 ? mean[a] : 0, std: std > 0 ? std : 1 }
  })
}

/** Rating units → standardized units, row-major [rows, k]. */
export function standardize(y: Float32Array, stats: TargetStats[], out = new Float32Array(y.length)): Float32Array {
  const k = stats.length
  for (let i = 0; i < y.length; i++) {
    const s = stats[i % k]
    out[i] = (y[i] - s.mean) / s.std
  }
  return out
}

/** Standardized units → rating units, row-major [rows, k]. */
export function destandardize(z: Float32Array, stats: TargetStats[], out = new Float32Array(z.length)): Float32Array {
  const k = stats.length
  for (let i = 0; i < z.length; i++) {
    const s = stats[i % k]
    out[i] = s.mean + s.std * z[i]
  }
  return out
}
