/**
 * The statistics of numeric side features (--features): mean and std per column on the training
 * split, and standardizing with them. Here, below the model and the feature store, because the
 * distributed partials standardize the same way as the model does (model/side-features.ts).
 *
 * @example
 *   const side = sideFeatureStats(['model_scores'], Float64Array.of(0.2, 0.6))   // mean [0.4], std [0.2]
 *   standardizedRows(side, Float64Array.of(0.6))                                // Float32Array [1]
 */
export interface SideFeatures {
  /** Column names, in vector order. */
  columns: string[]
  /** Training-split mean and standard deviation per column (std 1 for a constant column). */
  mean: number[]
  std: number[]
}

/** Mean and std (population) per column of a [n, m] row-major matrix; std 0 becomes 1. */
export function sideFeatureStats(columns: string[], values: Float64Array): SideFeatures {
  const m = columns.length
  const n = m === 0 ? 0 : values.length / m
  const mean = new Array<number>(m).fill(0)
  const std = new Array<number>(m).fill(0)
  for (let i = 0; i < n; i++) for (let f = 0; f < m; f++) mean[f] += values[i * m + f] / n
  for (let i = 0; i < n; i++) for (let f = 0; f < m; f++) std[f] += (values[i * m + f] - mean[f]) ** 2 / n
  return { columns: [...columns], mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) }
}

/** Writes the standardized side features of `raw` ([m]) into out[offset, offset + m). */
export function standardizeInto(side: SideFeatures, raw: ArrayLike<number>, out: Float32Array, offset: number): void {
  for (let f = 0; f < side.columns.length; f++) out[offset + f] = (raw[f] - side.mean[f]) / side.std[f]
}

/** A split's raw side features ([rows, m] row-major) standardized with the training statistics. */
export function standardizedRows(side: SideFeatures, raw: Float64Array): Float32Array {
  const m = side.columns.length
  const out = new Float32Array(raw.length)
  for (let i = 0; i < raw.length / m; i++) standardizeInto(side, raw.subarray(i * m, (i + 1) * m), out, i * m)
  return out
}
