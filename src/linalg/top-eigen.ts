/**
 * The leading eigenpairs of a symmetric PSD matrix C [d, d] by seeded subspace iteration (Halko,
 * Martinsson & Tropp 2011, alg. 4.4), with the products on onnxruntime and one small eigenSym:
 *
 *     Q ← orth(C·Ω),  then `iterations` times Q ← orth(C·Q),   B = Qᵀ·C·Q = U·diag(e)·Uᵀ,   V = Q·U
 *
 * Exact up to rounding when rank(C) ≤ width (the subspace then holds the whole range of C) or
 * width ≥ d (then it is eigenSym itself). Otherwise the leading pairs converge geometrically and
 * the rest of the spectrum is summarized by its mean, `tail` = (trace C − Σe) / (d − width), the
 * choice probabilistic PCA makes for discarded directions. Cost: (iterations + 2)·2·d²·width
 * flops in products plus O(d·width²) for the orthonormalization; at d = 4096, width 256 a few s.
 *
 * @example
 *   const { values, vectors, tail } = await topEigen(C, d, 256)
 *   // vectors: [width, d] row-major, row j the unit eigenvector of values[j] (descending)
 */
import { gemm } from '../compute/matmul.ts'
import { Rng } from '../compute/rng.ts'
import { eigenSym } from './eigen-sym.ts'

export interface TopEigen {
  /** Eigenvalues, descending, clamped at 0: [width]. */
  values: Float64Array
  /** [width, d] row-major: row j is the unit eigenvector of values[j]. */
  vectors: Float64Array
  /** Mean eigenvalue of the d − width directions not kept; 0 when width = d. */
  tail: number
}

export async function topEigen(C: Float64Array, d: number, width: number, iterations = 4, seed = 0): Promise<TopEigen> {
  if (C.length !== d * d) throw new RangeError(`topEigen: matrix has ${C.length} values, expected ${d}x${d}`)
  const l = Math.max(1, Math.min(d, Math.floor(width)))
  let trace = 0
  for (let i = 0; i < d; i++) trace += C[i * d + i]
  if (l === d) {
    const { values, vectors } = eigenSym(C, d)
    return descending(values, vectors, d, d, 0)
  }
  const rng = new Rng(seed)
  const cm = { rows: d, cols: d, data: C }
  // Q as [d, l] row-major.
  let Q: Float64Array = new Float64Array(d * l)
  for (let i = 0; i < Q.length; i++) Q[i] = rng.normal()
  for (let it = 0; it <= iterations; it++) {
    Q = orthonormalize((await gemm(cm, { rows: d, cols: l, data: Q })).data, d, l, rng)
  }
  const CQ = (await gemm(cm, { rows: d, cols: l, data: Q })).data
  const B = (await gemm({ rows: d, cols: l, data: Q }, { rows: d, cols: l, data: CQ }, { transA: true })).data
  for (let i = 0; i < l; i++) {
    for (let j = 0; j < i; j++) {
      const s = (B[i * l + j] + B[j * l + i]) / 2
      B[i * l + j] = s
      B[j * l + i] = s
    }
  }
  const { values, vectors: ut } = eigenSym(B, l)
  // V (rows) = Uᵀ·Qᵀ: [l, d]
  const V = (await gemm({ rows: l, cols: l, data: ut }, { rows: d, cols: l, data: Q }, { transB: true })).data
  let kept = 0
  for (let j = 0; j < l; j++) kept += Math.max(0, values[j])
  return descending(values, V, l, d, Math.max(0, trace - kept) / (d - l))
}

function descending(values: Float64Array, rows: Float64Array, l: number, d: number, tail: number): TopEigen {
  const v = new Float64Array(l)
  const out = new Float64Array(l * d)
  for (let j = 0; j < l; j++) {
    const src = l - 1 - j
    v[j] = Math.max(0, values[src])
    out.set(rows.subarray(src * d, src * d + d), j * d)
  }
  return { values: v, vectors: out, tail }
}

/**
 * Modified Gram-Schmidt run twice ("twice is enough"), on the columns of Y [d, l]. A column that
 * vanishes (C has lower rank than l) is replaced by a seeded random one, so Q always has l
 * orthonormal columns; those span null directions and get Ritz values ≈ 0.
 */
function orthonormalize(Y: Float64Array, d: number, l: number, rng: Rng): Float64Array {
  // Work column-major for contiguous loops.
  const cols = new Float64Array(l * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < l; j++) cols[j * d + i] = Y[i * l + j]
  for (let j = 0; j < l; j++) {
    const c = cols.subarray(j * d, j * d + d)
    let before = norm(c)
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          const q = cols.subarray(p * d, p * d + d)
          let dot = 0
          for (let i = 0; i < d; i++) dot += q[i] * c[i]
          for (let i = 0; i < d; i++) c[i] -= dot * q[i]
        }
      }
      const after = norm(c)
      if (after > 1e-10 * before && after > 0) {
        for (let i = 0; i < d; i++) c[i] /= after
        break
      }
      if (attempt > 3) throw new RangeError('topEigen: could not complete an orthonormal basis')
      for (let i = 0; i < d; i++) c[i] = rng.normal()
      before = norm(c)
    }
  }
  const Q = new Float64Array(d * l)
  for (let j = 0; j < l; j++) for (let i = 0; i < d; i++) Q[i * l + j] = cols[j * d + i]
  return Q
}

function norm(v: Float64Array): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  return Math.sqrt(s)
}
