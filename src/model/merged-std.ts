/** The merged reward's std from the attributes' stds and their correlation. */

/**
 * √(Σ_ab w_a·w_b·ρ_ab·s_a·s_b), row by row.
 * `s`: [n, k].
 */
export function mergedStd(s: Float64Array, weights: ArrayLike<number>, correlation: number[][]): Float64Array {
  const k = correlation.length
  const n = s.length / k
  // weights: [k] for every row, or [n, k] row by row (a merge that reads the prompt).
  const rowWise = weights.length === n * k && n > 1
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let v = 0
    for (let a = 0; a < k; a++) {
      const w0 = rowWise ? i * k : 0
      const wa = weights[w0 + a] * s[i * k + a]
      if (wa === 0) continue
      for (let b = 0; b < k; b++) v += wa * weights[w0 + b] * s[i * k + b] * correlation[a][b]
    }
    out[i] = Math.sqrt(Math.max(0, v))
  }
  return out
}
